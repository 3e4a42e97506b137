"""Transport security (NFR7, NFR8): ``ordo serve``'s uvicorn configuration serves TLS, and
with ``ca_certs`` requires client certificates from that CA; plain HTTP on a non-loopback
address is refused with a message that says how to fix it."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from ordo.api.app import plugins_from_settings
from ordo.cli import build_cli
from ordo.cli.serve_cmd import server_config, transport_problem
from ordo.cli.status_cmd import client_tls
from ordo.config import AccountConfig, load_settings
from typer.testing import CliRunner

TOKEN = "tls-token-0123456789"


# -- a throwaway PKI -------------------------------------------------------------------------------
@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca(common: str) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(cert, key)


def issue(ca: Issued, common: str, *, server: bool) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return Issued(builder.sign(ca.key, hashes.SHA256()), key)


def write(issued: Issued, directory: Path, stem: str) -> tuple[Path, Path]:
    cert = directory / f"{stem}.crt"
    key = directory / f"{stem}.key"
    cert.write_bytes(issued.cert.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        issued.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


@dataclass
class Pki:
    ca: Path
    server: tuple[Path, Path]
    client: tuple[Path, Path]
    rogue_client: tuple[Path, Path]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca = make_ca("Ordo Test CA")
    rogue_ca = make_ca("Someone Else's CA")
    ca_file, _ = write(ca, directory, "ca")
    return Pki(
        ca=ca_file,
        server=write(issue(ca, "localhost", server=True), directory, "server"),
        client=write(issue(ca, "desk", server=False), directory, "client"),
        rogue_client=write(issue(rogue_ca, "mallory", server=False), directory, "rogue"),
    )


# -- a real server in a thread ---------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(**tls: Any) -> str:
        settings = load_settings(
            None,
            data_dir=tmp_path / f"d{len(servers)}",
            host="127.0.0.1",
            port=free_port(),
            api_token=TOKEN,
            accounts={"paper": AccountConfig(adapter="mock")},
            **tls,
        )
        server = uvicorn.Server(server_config(settings, plugins_from_settings(settings)))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return f"https://127.0.0.1:{settings.port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


def get_status(url: str, context: ssl.SSLContext) -> httpx.Response:
    with httpx.Client(verify=context, timeout=5.0) as client:
        return client.get(f"{url}/api/v1/status", headers={"Authorization": f"Bearer {TOKEN}"})


def test_tls_serves_and_verifies(pki: Pki, serve: Any) -> None:
    url = serve(certfile=pki.server[0], keyfile=pki.server[1])
    response = get_status(url, client_tls(pki.ca))
    assert response.status_code == 200
    assert response.json()["data"]["accounts"][0]["name"] == "paper"
    # A client that does not trust the CA refuses the server.
    with pytest.raises(httpx.ConnectError):
        get_status(url, ssl.create_default_context())
    with pytest.raises(httpx.TransportError):
        httpx.get(url.replace("https", "http") + "/health", timeout=5.0)


def test_mtls_requires_a_client_certificate_from_the_ca(pki: Pki, serve: Any) -> None:
    url = serve(certfile=pki.server[0], keyfile=pki.server[1], ca_certs=pki.ca)
    accepted = get_status(url, client_tls(pki.ca, *pki.client))
    assert accepted.status_code == 200
    with pytest.raises(httpx.TransportError):
        get_status(url, client_tls(pki.ca))
    with pytest.raises(httpx.TransportError):
        get_status(url, client_tls(pki.ca, *pki.rogue_client))


def test_ordo_status_over_mtls(pki: Pki, serve: Any) -> None:
    url = serve(certfile=pki.server[0], keyfile=pki.server[1], ca_certs=pki.ca)
    args = ["status", "--url", url, "--token", TOKEN, "--ca-certs", str(pki.ca)]
    cert_args = ["--client-cert", str(pki.client[0]), "--client-key", str(pki.client[1])]
    shown = CliRunner().invoke(build_cli(), [*args, *cert_args])
    assert shown.exit_code == 0, shown.output
    assert "paper" in shown.output
    assert "CLOSED" in shown.output
    refused = CliRunner().invoke(build_cli(), args)
    assert refused.exit_code == 2


# -- the non-loopback refusal ----------------------------------------------------------
def test_plain_http_off_loopback_is_refused_with_a_fix(tmp_path: Path) -> None:
    base: dict[str, Any] = {"data_dir": tmp_path, "api_token": TOKEN}
    problem = transport_problem(load_settings(None, host="0.0.0.0", **base))
    assert problem is not None
    assert "--certfile" in problem
    assert "--keyfile" in problem
    assert "--behind-proxy" in problem
    assert transport_problem(load_settings(None, host="127.0.0.1", **base)) is None
    assert transport_problem(load_settings(None, host="::1", **base)) is None
    assert transport_problem(load_settings(None, host="localhost", **base)) is None
    assert transport_problem(load_settings(None, host="0.0.0.0", behind_proxy=True, **base)) is None
    tls = {"certfile": tmp_path / "c.pem", "keyfile": tmp_path / "k.pem"}
    assert transport_problem(load_settings(None, host="10.1.2.3", **tls, **base)) is None
    assert transport_problem(load_settings(None, host="10.1.2.3", certfile=tls["certfile"], **base))


def test_ordo_serve_refuses_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_ordo_env: None
) -> None:
    monkeypatch.setenv("ORDO_API_TOKEN", TOKEN)
    result = CliRunner().invoke(
        build_cli(), ["serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "refusing to serve plain HTTP" in result.output.replace("\n", " ")
