"""Account settings validated against each adapter's own Settings model."""

from __future__ import annotations

from typing import ClassVar

import pytest
from ordo.adapters.base import AdapterSettings, BrokerAdapter
from ordo.adapters.registry import AdapterRegistry
from ordo.config import AccountConfig, ConfigError, Settings, validate_account_settings
from pydantic import SecretStr

pytestmark = pytest.mark.usefixtures("clean_ordo_env")


class DemoSettings(AdapterSettings):
    app_id: str
    secret: SecretStr
    timeout_seconds: float = 5.0


class DemoAdapter(BrokerAdapter):
    id: ClassVar[str] = "demo"
    display_name: ClassVar[str] = "Demo"
    Settings: ClassVar[type[AdapterSettings]] = DemoSettings


@pytest.fixture
def registry() -> AdapterRegistry:
    reg = AdapterRegistry()
    # Settings validation reads class attributes only and never instantiates the adapter, so
    # a class without the broker operations is enough here.
    reg.register(DemoAdapter, source="tests")  # type: ignore[type-abstract]
    return reg


def account(**settings: object) -> AccountConfig:
    return AccountConfig(adapter="demo", settings=dict(settings))


def test_valid_settings_become_adapter_models(registry: AdapterRegistry) -> None:
    settings = Settings(
        accounts={
            "demo-1": account(app_id="A1", secret="very-secret-value"),
            "off": AccountConfig(adapter="missing", enabled=False),
        }
    )
    validated = validate_account_settings(settings, registry)
    assert list(validated) == ["demo-1"]
    model = validated["demo-1"]
    assert isinstance(model, DemoSettings)
    assert model.app_id == "A1"
    assert model.secret.get_secret_value() == "very-secret-value"
    assert model.timeout_seconds == 5.0
    assert "very-secret-value" not in repr(settings)


def test_unknown_adapter(registry: AdapterRegistry) -> None:
    settings = Settings(accounts={"x1": AccountConfig(adapter="fyerz")})
    with pytest.raises(ConfigError) as caught:
        validate_account_settings(settings, registry)
    assert str(caught.value) == (
        "accounts.x1.adapter: unknown adapter 'fyerz' (installed: demo); "
        "install ordo-adapter-fyerz to provide it"
    )


def test_bad_adapter_settings_name_the_field(registry: AdapterRegistry) -> None:
    settings = Settings(
        accounts={
            "a": account(secret="secret-value-1"),
            "b": account(app_id="B", secret="secret-value-2", timeout_seconds="slow"),
            "c": account(app_id="C", secret="secret-value-3", typo=1),
        }
    )
    with pytest.raises(ConfigError) as caught:
        validate_account_settings(settings, registry)
    message = str(caught.value)
    assert "accounts.a.settings.app_id: field required" in message
    assert "accounts.b.settings.timeout_seconds: Input should be a valid number" in message
    assert "accounts.c.settings.typo: unknown field" in message
    assert "secret-value" not in message


def test_single_problem_is_reported_plainly(registry: AdapterRegistry) -> None:
    settings = Settings(accounts={"a": account(secret="s")})
    with pytest.raises(ConfigError) as caught:
        validate_account_settings(settings, registry)
    assert str(caught.value) == "accounts.a.settings.app_id: field required"
