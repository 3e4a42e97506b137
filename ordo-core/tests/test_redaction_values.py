"""Redaction by value covers every secret of every settings model in the forms a secret
takes on the wire, URL query parameters named like secrets, and the third-party loggers
stay quiet at INFO."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from ordo.audit.events import SecretRegistry
from ordo.audit.redaction import REDACTED, redact_text
from ordo.audit.secret_values import secret_values, url_passwords
from ordo.logs import THIRD_PARTY_LOGGERS, route_stdlib_logging
from pydantic import BaseModel, SecretStr

SECRET = "s3cr3t value/with+odd&chars"


class Nested(BaseModel):
    password: SecretStr
    note: str = "plain"


class Outer(BaseModel):
    api_key: SecretStr
    nested: Nested
    many: list[SecretStr]
    optional: SecretStr | None = None


def test_every_secretstr_of_a_settings_model_is_found() -> None:
    model = Outer(
        api_key=SecretStr("key-aaaaaaaa"),
        nested=Nested(password=SecretStr("pw-bbbbbbbb")),
        many=[SecretStr("tok-cccccccc")],
    )
    assert sorted(secret_values(model)) == ["key-aaaaaaaa", "pw-bbbbbbbb", "tok-cccccccc"]


def test_registry_masks_url_and_base64_forms() -> None:
    registry = SecretRegistry()
    registry.add(SECRET)
    line = (
        f"GET /x?k={quote(SECRET, safe='')} auth={base64.b64encode(SECRET.encode()).decode()} "
        f"raw={SECRET}"
    )
    masked = redact_text(line, registry.forms())
    assert SECRET not in masked
    assert quote(SECRET, safe="") not in masked
    assert base64.b64encode(SECRET.encode()).decode() not in masked
    assert masked.count(REDACTED) == 3
    registry.discard(SECRET)
    assert registry.values() == frozenset()


def test_query_parameters_named_like_secrets_are_masked() -> None:
    line = 'HTTP Request: GET https://b.test/v1/x?api_key=K1&token_id=T2&symbol=SBIN "200 OK"'
    masked = redact_text(line)
    assert "K1" not in masked
    assert "T2" not in masked
    assert "symbol=SBIN" in masked


def test_connection_url_passwords() -> None:
    urls = ("postgresql+asyncpg://ordo:p%40ss-word@db/ordo", "redis://:r3dis-pass@cache:6379/0")
    assert list(url_passwords(*urls, None)) == ["p@ss-word", "r3dis-pass"]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {n: logging.getLogger(n).level for n in THIRD_PARTY_LOGGERS}
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize(
    ("level", "expected"), [("INFO", logging.WARNING), ("DEBUG", logging.DEBUG)]
)
def test_third_party_loggers_are_quiet_at_info(level: str, expected: int) -> None:
    route_stdlib_logging(level)
    for name in ("httpx", "httpcore", "uvicorn.access", "websockets.client", "python_socks"):
        assert logging.getLogger(name).getEffectiveLevel() == expected, name
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO) or level == "DEBUG"
