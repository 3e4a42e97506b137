"""Configuration: ``Settings`` from ``ORDO_*`` variables and an optional YAML file.

There is no module-level instance: the CLI calls ``load_settings()`` and hands the result
to ``create_app(settings)``.
"""

from ordo.config.errors import ConfigError
from ordo.config.loading import (
    DEMO_ACCOUNT,
    DEMO_ADAPTER,
    demo_settings,
    load_settings,
    validate_account_settings,
)
from ordo.config.models import (
    AccountConfig,
    ApiTokenEntry,
    AuditConfig,
    ConsoleConfig,
    LimitsConfig,
)
from ordo.config.sections import declared_sections, validate_plugin_sections
from ordo.config.settings import LogLevel, Settings
from ordo.config.sources import CONFIG_ENV
from ordo.config.tokens import ApiToken, api_token_table, hash_token, match_token, token_algo

__all__ = [
    "CONFIG_ENV",
    "DEMO_ACCOUNT",
    "DEMO_ADAPTER",
    "AccountConfig",
    "ApiToken",
    "ApiTokenEntry",
    "AuditConfig",
    "ConfigError",
    "ConsoleConfig",
    "LimitsConfig",
    "LogLevel",
    "Settings",
    "api_token_table",
    "declared_sections",
    "demo_settings",
    "hash_token",
    "load_settings",
    "match_token",
    "token_algo",
    "validate_account_settings",
    "validate_plugin_sections",
]
