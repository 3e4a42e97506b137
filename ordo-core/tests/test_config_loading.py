"""Settings from defaults, YAML, environment and overrides, and their error messages."""

from __future__ import annotations

import textwrap
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from ordo.config import (
    AccountConfig,
    ConfigError,
    Settings,
    demo_settings,
    load_settings,
)

pytestmark = pytest.mark.usefixtures("clean_ordo_env")


def write(tmp_path: Path, body: str, name: str = "ordo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert (settings.host, settings.port, settings.log_level) == ("127.0.0.1", 8000, "INFO")
    assert settings.resolved_database_url() == f"sqlite+aiosqlite:///{tmp_path / 'ordo.db'}"
    assert settings.resolved_audit_file() == tmp_path / "audit" / "audit.jsonl"
    assert settings.audit.rotation_bytes == 10 * 1024 * 1024
    assert (settings.audit.retention, settings.audit.compression) == (10, "gz")
    assert settings.request_deadline_seconds == 10.0
    assert settings.idempotency_ttl_hours == 24.0
    assert settings.breaker_fail_max == 5
    assert settings.accounts == {}
    assert settings.login_time() is None
    assert settings.secret_keys() == []


def test_every_field_is_documented() -> None:
    undocumented = [n for n, f in Settings.model_fields.items() if not f.description]
    undocumented += [n for n, f in AccountConfig.model_fields.items() if not f.description]
    assert undocumented == []


def test_yaml_then_env_then_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(
        tmp_path,
        """
        port: 9000
        host: 0.0.0.0
        log_level: DEBUG
        database_url: postgresql+asyncpg://ordo@db/ordo
        limits: {max_order_quantity: 500}
        audit: {retention: 3, compression: null}
        login_schedule: "08:45"
        accounts:
          fyers-main:
            adapter: fyers
            settings: {app_id: ABC-100}
            limits: {max_order_value: 250000}
          mirae_desk:
            adapter: mirae
            enabled: false
        """,
    )
    monkeypatch.setenv("ORDO_PORT", "9100")
    monkeypatch.setenv("ORDO_LIMITS__MAX_ORDER_VALUE", "100000.50")
    settings = load_settings(config, host="127.0.0.2")
    assert settings.port == 9100
    assert settings.host == "127.0.0.2"
    assert settings.log_level == "DEBUG"
    assert settings.resolved_database_url() == "postgresql+asyncpg://ordo@db/ordo"
    assert settings.limits.max_order_quantity == 500
    assert settings.limits.max_order_value == Decimal("100000.50")
    assert (settings.audit.retention, settings.audit.compression) == (3, None)
    assert settings.login_time() == time(8, 45)
    assert settings.accounts["fyers-main"].settings == {"app_id": "ABC-100"}
    assert list(settings.enabled_accounts()) == ["fyers-main"]
    merged = settings.account_limits("fyers-main").to_order_limits()
    assert merged.max_order_quantity == 500
    assert merged.max_order_value == Decimal("250000")


def test_config_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDO_CONFIG", str(write(tmp_path, "port: 8123\n")))
    assert load_settings().port == 8123
    assert Settings().port == 8123


def test_empty_yaml_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, "# nothing yet\n")).port == 8000


def test_secret_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "fyers.txt").write_text("  s3cr3t-from-file \n")
    monkeypatch.setenv("FYERS_SECRET", "s3cr3t-from-env")
    config = write(
        tmp_path,
        """
        api_token: {env: FYERS_SECRET}
        accounts:
          fyers-main:
            adapter: fyers
            settings:
              secret_key: {env: FYERS_SECRET}
              pin: {file: secrets/fyers.txt}
              nested: [{file: secrets/fyers.txt}]
        """,
    )
    settings = load_settings(config)
    account = settings.accounts["fyers-main"]
    assert account.settings["secret_key"] == "s3cr3t-from-env"
    assert account.settings["pin"] == "s3cr3t-from-file"
    assert account.settings["nested"] == ["s3cr3t-from-file"]
    assert settings.api_token is not None
    assert settings.api_token.get_secret_value() == "s3cr3t-from-env"
    assert "s3cr3t" not in repr(settings)
    assert "s3cr3t" not in str(settings)


def test_missing_env_reference_names_field_and_variable(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        """
        accounts:
          fyers-main:
            adapter: fyers
            settings: {secret_key: {env: ORDO_TEST_SURELY_UNSET_VARIABLE}}
        """,
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert "accounts.fyers-main.settings.secret_key" in message
    assert "ORDO_TEST_SURELY_UNSET_VARIABLE" in message
    assert str(config) in message


def test_missing_file_reference(tmp_path: Path) -> None:
    config = write(tmp_path, "secret_key: {file: nowhere.key}\n")
    with pytest.raises(ConfigError, match=r"secret_key: cannot read secret file .*nowhere\.key"):
        load_settings(config)


def test_missing_adapter_is_reported_by_path_and_file(tmp_path: Path) -> None:
    config = write(tmp_path, "accounts:\n  fyers-main:\n    settings: {}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert str(caught.value) == (
        f"accounts.fyers-main.adapter: field required (config file {config})"
    )


def test_bad_port_from_yaml_and_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path, "port: eighty\n")
    with pytest.raises(ConfigError, match=r"^port: Input should be a valid integer.*ordo\.yaml"):
        load_settings(config)
    monkeypatch.setenv("ORDO_PORT", "ninety")
    with pytest.raises(ConfigError, match=r"^port: .*environment variable ORDO_PORT\)$"):
        load_settings()


def test_unknown_top_level_key(tmp_path: Path) -> None:
    config = write(tmp_path, "prot: 8000\n")
    with pytest.raises(ConfigError, match=r"^prot: unknown field"):
        load_settings(config)


def test_several_problems_in_one_message(tmp_path: Path) -> None:
    config = write(tmp_path, "port: x\nlog_level: LOUD\naccounts: {Bad Name: {adapter: mock}}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert message.startswith("invalid configuration: ")
    for fragment in ("port:", "log_level: Input should be 'DEBUG'", "accounts: account names"):
        assert fragment in message


@pytest.mark.parametrize("name", ["fyers-main", "a", "desk_2", "x" * 40])
def test_valid_account_names(name: str) -> None:
    assert name in Settings(accounts={name: AccountConfig(adapter="mock")}).accounts


@pytest.mark.parametrize("name", ["Fyers", "has space", "x" * 41, "", "dot.ted"])
def test_invalid_account_names(name: str) -> None:
    with pytest.raises(ConfigError, match="account names use lowercase"):
        load_settings(accounts={name: {"adapter": "mock"}})


@pytest.mark.parametrize("value", ["24:00", "8:45", "0845", "noon"])
def test_login_schedule_must_be_hh_mm(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^login_schedule: expected a 24-hour IST time"):
        load_settings(login_schedule=value)


def test_yaml_syntax_error_does_not_echo_the_line(tmp_path: Path) -> None:
    config = write(tmp_path, "api_token: 'hunter2-very-secret\nport: [1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert "YAML syntax error at line" in message
    assert str(config) in message
    assert "hunter2" not in message


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_settings(write(tmp_path, "- port: 1\n"))


def test_unreadable_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(tmp_path / "absent.yaml")


def test_secret_values_never_reach_error_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDO_API_TOKENS", "desk:tok-hunter2-secret,broken")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "hunter2" not in str(caught.value)
    assert "api_tokens" in str(caught.value)
    monkeypatch.delenv("ORDO_API_TOKENS")
    config = write(tmp_path, "api_tokens: [{name: ci, token: tok-hunter2-secret, sha256: ab}]\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert "hunter2" not in str(caught.value)


def test_demo_settings_ignore_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDO_CONFIG", str(write(tmp_path, "port: 9999\n")))
    monkeypatch.setenv("ORDO_API_TOKEN", "demo-token-123")
    settings = demo_settings(tmp_path / "demo")
    assert settings.port == 8000
    assert settings.data_dir == tmp_path / "demo"
    assert list(settings.accounts) == ["paper"]
    paper = settings.accounts["paper"]
    assert (paper.adapter, paper.settings, paper.enabled) == ("mock", {}, True)
    assert settings.api_token is not None
