"""TLS verification and mutual TLS against a real uvicorn on loopback, with a throwaway CA."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import TypedDict

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from ordo_client import Ordo, OrdoConfigError, OrdoConnectionError, RetryPolicy
from ordo_client.config import resolve_config, tls_context

from .conftest import TOKEN, build_app, serving

NO_RETRY = RetryPolicy(max_attempts=1)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write(path: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
    path.with_suffix(".key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.with_suffix(".pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _issue(
    common: str,
    issuer_key: ec.EllipticCurvePrivateKey | None,
    issuer: x509.Name | None,
    *,
    usage: x509.ObjectIdentifier | None = None,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(issuer or _name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
    )
    if usage is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), False)
        if usage == ExtendedKeyUsageOID.SERVER_AUTH:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False
            )
    return key, builder.sign(issuer_key or key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files."""
    root = tmp_path_factory.mktemp("pki")
    ca_key, ca = _issue("Ordo test CA", None, None)
    _write(root / "ca", ca_key, ca)
    server_key, server = _issue(
        "127.0.0.1", ca_key, ca.subject, usage=ExtendedKeyUsageOID.SERVER_AUTH
    )
    _write(root / "server", server_key, server)
    client_key, client = _issue("desk", ca_key, ca.subject, usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    _write(root / "client", client_key, client)
    return root


def test_mutual_tls(tmp_path: Path, pki: Path) -> None:
    app = build_app(tmp_path)
    tls = {
        "ssl_certfile": str(pki / "server.pem"),
        "ssl_keyfile": str(pki / "server.key"),
        "ssl_ca_certs": str(pki / "ca.pem"),
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
    }
    with serving(app, scheme="https", **tls) as url:
        cert = (str(pki / "client.pem"), str(pki / "client.key"))
        with Ordo(url, token=TOKEN, verify=str(pki / "ca.pem"), cert=cert) as ordo:
            assert ordo.health().status == "ok"
            assert ordo.funds().ok
        # Without a client certificate the server ends the handshake.
        with (
            Ordo(url, token=TOKEN, verify=str(pki / "ca.pem"), retry=NO_RETRY) as anonymous,
            pytest.raises(OrdoConnectionError),
        ):
            anonymous.health()
        # Without the CA, the server's certificate is not trusted.
        with (
            Ordo(url, token=TOKEN, cert=cert, retry=NO_RETRY) as untrusting,
            pytest.raises(OrdoConnectionError, match="CERTIFICATE_VERIFY_FAILED"),
        ):
            untrusting.health()


def test_tls_context_options(pki: Path) -> None:
    assert tls_context(True, None) is True
    assert tls_context(False, None) is False
    context = tls_context(str(pki / "ca.pem"), (str(pki / "client.pem"), str(pki / "client.key")))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    lax = tls_context(False, (str(pki / "client.pem"), str(pki / "client.key")))
    assert isinstance(lax, ssl.SSLContext)
    assert lax.verify_mode is ssl.CERT_NONE


class _CommonConfig(TypedDict):
    """The keyword arguments of ``resolve_config`` these cases share."""

    timeout: float
    verify: bool
    cert: None
    retry: None
    user_agent: str


def test_config_from_arguments_and_environment() -> None:
    env = {"ORDO_URL": "https://env.example/", "ORDO_TOKEN": "env-token"}
    common: _CommonConfig = {
        "timeout": 3.0,
        "verify": True,
        "cert": None,
        "retry": None,
        "user_agent": "t",
    }
    from_env = resolve_config(None, None, env=env, **common)
    assert from_env.base_url == "https://env.example"
    assert from_env.token is not None
    assert from_env.token.get_secret_value() == "env-token"
    assert from_env.timeout.read == 3.0
    explicit = resolve_config("http://arg.example", "arg-token", env=env, **common)
    assert explicit.base_url == "http://arg.example"
    assert explicit.token is not None
    assert explicit.token.get_secret_value() == "arg-token"
    assert "token" not in repr(explicit)
    assert "arg-token" not in repr(explicit)
    with pytest.raises(OrdoConfigError, match="ORDO_URL"):
        resolve_config(None, None, env={}, **common)
    with pytest.raises(OrdoConfigError, match="http"):
        resolve_config("ftp://x", None, env={}, **common)


def test_client_repr_hides_the_token() -> None:
    with Ordo("http://127.0.0.1:9", token="very-secret") as ordo:
        assert "very-secret" not in repr(ordo)
        assert "very-secret" not in repr(ordo.__dict__)
