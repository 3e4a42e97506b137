"""``load_settings`` (readable errors), adapter settings validation and the demo config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ordo.adapters.base import AdapterSettings
from ordo.adapters.registry import AdapterRegistry
from ordo.config.errors import ConfigError, config_error_from_validation, join_problems
from ordo.config.models import AccountConfig
from ordo.config.settings import Settings
from ordo.config.sources import YamlChoice, env_var_for, yaml_choice

DEMO_ACCOUNT = "paper"
DEMO_ADAPTER = "mock"


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build ``Settings`` from ``overrides``, ``ORDO_*`` variables and the YAML file
    ``config`` (default: the file ``ORDO_CONFIG`` names, if any).

    Raises ``ConfigError`` with one message naming each bad field path and its source.
    """
    choice = YamlChoice(path=config) if config is not None else YamlChoice()
    path = choice.resolve()
    token = yaml_choice.set(choice)
    try:
        return Settings(**overrides)
    except ValidationError as exc:

        def origin(loc: tuple[int | str, ...]) -> str:
            if loc and loc[0] in overrides:
                return ""
            env = env_var_for(loc)
            if env is not None:
                return f"(from environment variable {env})"
            return f"(config file {path})" if path is not None else ""

        raise config_error_from_validation(exc, origin=origin) from None
    finally:
        yaml_choice.reset(token)


def demo_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for the quickstart: one account ``paper`` on the ``mock`` adapter with its
    default settings. ``ORDO_*`` variables still apply (e.g. ``ORDO_API_TOKEN``); no YAML
    file is read."""
    token = yaml_choice.set(YamlChoice(use_env=False))
    try:
        values: dict[str, Any] = {
            "data_dir": data_dir,
            "accounts": {DEMO_ACCOUNT: AccountConfig(adapter=DEMO_ADAPTER)},
        }
        return Settings(**(values | overrides))
    except ValidationError as exc:
        raise config_error_from_validation(exc) from None
    finally:
        yaml_choice.reset(token)


def validate_account_settings(
    settings: Settings, registry: AdapterRegistry
) -> dict[str, AdapterSettings]:
    """Each enabled account's ``settings`` validated against its adapter's ``Settings``.

    Every problem across all accounts is reported in one ``ConfigError``.
    """
    validated: dict[str, AdapterSettings] = {}
    problems: list[str] = []
    for name, account in settings.enabled_accounts().items():
        if account.adapter not in registry:
            known = ", ".join(registry.ids()) or "none"
            problems.append(
                f"accounts.{name}.adapter: unknown adapter {account.adapter!r} (installed: "
                f"{known}); install ordo-adapter-{account.adapter} to provide it"
            )
            continue
        model = registry.get(account.adapter).Settings
        try:
            validated[name] = model.model_validate(account.settings)
        except ValidationError as exc:
            error = config_error_from_validation(exc, prefix=("accounts", name, "settings"))
            problems.append(str(error).removeprefix("invalid configuration: "))
    if problems:
        raise ConfigError(join_problems(problems, None))
    return validated
