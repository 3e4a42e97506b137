"""API token table and constant-time matching."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from ordo.config import ApiToken, ConfigError, api_token_table, load_settings, match_token

pytestmark = pytest.mark.usefixtures("clean_ordo_env")


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_tokens_from_every_source_are_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "ordo.yaml"
    config.write_text(
        f"api_token: plain-default-token\napi_tokens:\n"
        f"  - {{name: ci, sha256: {sha('ci-token-value').upper()}}}\n"
        f"  - {{name: desk, token: desk-token-value}}\n"
    )
    table = api_token_table(load_settings(config))
    assert table == [
        ApiToken("default", sha("plain-default-token")),
        ApiToken("ci", sha("ci-token-value")),
        ApiToken("desk", sha("desk-token-value")),
    ]
    assert "token-value" not in repr(table)

    monkeypatch.setenv("ORDO_API_TOKENS", "algo:algo-token-1, bot_2:bot-token:with-colon")
    env_table = api_token_table(load_settings())
    assert env_table == [
        ApiToken("algo", sha("algo-token-1")),
        ApiToken("bot_2", sha("bot-token:with-colon")),
    ]


def test_env_tokens_may_be_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDO_API_TOKENS", '[{"name": "ci", "sha256": "' + sha("x") + '"}]')
    assert api_token_table(load_settings()) == [ApiToken("ci", sha("x"))]


def test_match_token() -> None:
    table = [ApiToken("default", sha("alpha")), ApiToken("ci", sha("beta"))]
    assert match_token(table, "alpha") == "default"
    assert match_token(table, "beta") == "ci"
    assert match_token(table, "gamma") is None
    assert match_token(table, "") is None
    assert match_token([], "alpha") is None


def test_duplicate_token_names_are_refused() -> None:
    with pytest.raises(ConfigError, match="repeated: default"):
        load_settings(api_token="a-token", api_tokens=[{"name": "default", "token": "other"}])


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"name": "ci"}, "exactly one of 'token' or 'sha256'"),
        ({"name": "ci", "sha256": "abc"}, "64 hexadecimal"),
        ({"name": "bad name", "token": "t"}, "token names use"),
        ({"name": "ci", "token": ""}, "must not be empty"),
    ],
)
def test_bad_token_entries(entry: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_settings(api_tokens=[entry])
