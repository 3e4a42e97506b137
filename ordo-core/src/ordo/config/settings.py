"""``Settings``: every knob of the gateway, from init arguments, ``ORDO_*`` environment
variables and an optional YAML file, in that order of priority."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from ordo.config.compliance import ComplianceConfig
from ordo.config.egress import EgressCheckConfig
from ordo.config.models import (
    AccountConfig,
    ApiTokenEntry,
    AuditConfig,
    ConsoleConfig,
    LimitsConfig,
    check_account_name,
    parse_hh_mm,
    parse_token_list,
)
from ordo.config.sources import ENV_PREFIX, NESTED_DELIMITER, EnvSource, YamlSource
from ordo.config.webhooks import WebhookConfig

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
MARKET_OPENS, MARKET_CLOSES = time(9, 0), time(15, 30)
"""The equity session in IST (pre-open to close): no day-end logout inside it."""


class Settings(BaseSettings):
    """Gateway settings.

    Priority: explicit arguments, then ``ORDO_<FIELD>`` variables (nested fields as
    ``ORDO_LIMITS__MAX_ORDER_VALUE``), then the YAML file named by ``ORDO_CONFIG`` (or the
    path given to ``load_settings``). Build it through ``load_settings`` for readable errors.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED_DELIMITER,
        extra="forbid",
        validate_default=True,
    )

    host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="TCP port of the API.")
    data_dir: Path = Field(
        default=Path("./data"), description="Directory for the database, key file, audit log."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default SQLite at <data_dir>/ordo.db. "
        "PostgreSQL: postgresql+asyncpg://user@host/db.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL for state shared by several replicas (optional)."
    )
    redis_prefix: str = Field(
        default="ordo:",
        min_length=1,
        description="Prefix of Ordo's Redis keys and channels: replicas of one gateway share "
        "it; separate gateways on one Redis need distinct prefixes.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s) encrypting stored tokens, comma-separated, newest first. "
        "Unset: a key is generated once into <data_dir>/secret.key.",
    )
    api_token: SecretStr | None = Field(
        default=None, description="A bearer token for the API, named 'default'."
    )
    api_tokens: list[ApiTokenEntry] = Field(
        default_factory=list,
        description="Named bearer tokens: env 'name:token,name2:token2'; YAML a list of "
        "{name, token} or {name, sha256} (hex SHA-256 of the token).",
    )
    log_level: LogLevel = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = Field(default=False, description="Write logs as JSON lines.")
    load_plugins: str | None = Field(
        default=None,
        description="Comma-separated allow-list of plugin entry points; '' loads none.",
    )
    disabled_adapters: str = Field(
        default="", description="Comma-separated adapter ids not to register."
    )
    trace_plugins: bool = Field(default=False, description="Log every plugin hook call.")
    status_public: bool = Field(default=False, description="Serve /status without a token.")
    metrics_public: bool = Field(default=False, description="Serve /metrics without a token.")
    behind_proxy: bool = Field(
        default=False,
        description="A TLS-terminating proxy sits in front: allow plain HTTP on non-loopback.",
    )
    certfile: Path | None = Field(default=None, description="TLS certificate (PEM).")
    keyfile: Path | None = Field(default=None, description="TLS private key (PEM).")
    ca_certs: Path | None = Field(
        default=None, description="CA bundle; when set, clients must present a certificate."
    )
    request_deadline_seconds: float = Field(
        default=10.0, gt=0, description="Overall deadline of one API request, retries included."
    )
    idempotency_ttl_hours: float = Field(
        default=24.0, gt=0, description="How long idempotency keys and responses are kept."
    )
    funds_cache_ttl_seconds: float = Field(
        default=2.0, ge=0, description="Age up to which cached funds serve pre-trade checks."
    )
    reconcile_interval_seconds: float = Field(
        default=30.0, gt=0, description="Period of the background reconciliation of unknowns."
    )
    breaker_fail_max: int = Field(
        default=5, ge=1, description="Failures within the window that open a circuit breaker."
    )
    breaker_window_seconds: float = Field(
        default=60.0, gt=0, description="Window over which breaker failures are counted."
    )
    breaker_reset_seconds: float = Field(
        default=30.0, gt=0, description="How long an open breaker waits before a trial call."
    )
    rate_limit_queue_size: int = Field(
        default=100, ge=1, description="Requests that may wait for one account's rate limiter."
    )
    rate_limit_margin_seconds: float = Field(
        default=0.05,
        ge=0,
        description="Widen every rate-limit window by this much, so neither Ordo's own "
        "lateness (a call not sent within half of it after its grant queues again) nor "
        "network jitter can squeeze more calls than the quota into one broker window.",
    )
    order_watch_interval_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often an account's order book is polled while Ordo follows open "
        "orders there (ten times slower while the broker's push channel is up).",
    )
    events_stream_seconds: float = Field(
        default=300.0,
        gt=0,
        description="Longest life of one GET /api/v1/events stream; the client reconnects "
        "with Last-Event-ID (the client SDK does so on its own).",
    )
    webhooks: list[WebhookConfig] = Field(
        default_factory=list, description="Signed webhook targets of order events."
    )
    limits: LimitsConfig = Field(
        default_factory=LimitsConfig, description="Order caps applied to every account."
    )
    audit: AuditConfig = Field(default_factory=AuditConfig, description="The audit file.")
    console: ConsoleConfig = Field(
        default_factory=ConsoleConfig,
        description="The operator console in the browser at /console (off by default).",
    )
    compliance: ComplianceConfig = Field(
        default_factory=ComplianceConfig,
        description="The 2026 trading rules on every account: the exchanges' order-rate "
        "ceiling, market protection and freeze quantities.",
    )
    login_schedule: str | None = Field(
        default=None, description="Daily login reminder/automation time, IST 'HH:MM'."
    )
    day_end_logout: str | None = Field(
        default=None,
        description="Daily IST 'HH:MM' after the close (not within 09:00-15:30) at which "
        "every broker session is logged out and marked expired; unset: no day-end job "
        "(a session from an earlier trading day is refused either way).",
    )
    accounts: dict[str, AccountConfig] = Field(
        default_factory=dict, description="Broker accounts by name (e.g. 'fyers-main')."
    )
    egress_check: EgressCheckConfig = Field(
        default_factory=EgressCheckConfig,
        description="How each account's observed egress IP is learnt and what a drift from "
        "its registered IPs does.",
    )
    sections: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        # May hold a plugin's secrets until its own model wraps them in SecretStr.
        repr=False,
        description="Plugin config sections: in YAML each is a top-level mapping named by the "
        "plugin (e.g. 'openalgo:'), validated against the model the plugin declares "
        "(register_config_sections); one that no installed plugin declares is an error.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, EnvSource(settings_cls), YamlSource(settings_cls))

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _token_list(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ValueError("not valid JSON") from None
        return parse_token_list(value)

    @field_validator("login_schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parsed = parse_hh_mm(value)
        return parsed.strftime("%H:%M")

    @field_validator("day_end_logout")
    @classmethod
    def _day_end(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parsed = parse_hh_mm(value)
        if MARKET_OPENS <= parsed <= MARKET_CLOSES:
            # Logging every session out while the market is open would strand open orders.
            raise ValueError(
                f"{parsed:%H:%M} falls within market hours (09:00-15:30 IST); "
                "pick a time after the close"
            )
        return parsed.strftime("%H:%M")

    @field_validator("accounts")
    @classmethod
    def _account_names(cls, value: dict[str, AccountConfig]) -> dict[str, AccountConfig]:
        for name in value:
            check_account_name(name)
        return value

    @model_validator(mode="after")
    def _day_end_is_not_the_login(self) -> Settings:
        if self.day_end_logout is not None and self.day_end_logout == self.login_schedule:
            raise ValueError(
                f"day_end_logout and login_schedule are both {self.day_end_logout}: the "
                "day-end logout would end the sessions the daily login opens"
            )
        return self

    @model_validator(mode="after")
    def _unique_token_names(self) -> Settings:
        names = [t.name for t in self.api_tokens]
        if self.api_token is not None:
            names.append("default")
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"API token names must be unique; repeated: {', '.join(duplicates)}")
        return self

    # -- derived values ---------------------------------------------------------------
    def resolved_database_url(self) -> str:
        """``database_url``, or the default SQLite file inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir.expanduser().resolve() / 'ordo.db'}"

    def resolved_audit_file(self) -> Path:
        """The audit file path, default ``<data_dir>/audit/audit.jsonl``."""
        if self.audit.file is not None:
            return self.audit.file.expanduser()
        return self.data_dir.expanduser() / "audit" / "audit.jsonl"

    def login_time(self) -> time | None:
        """``login_schedule`` as a ``time`` (IST), or ``None``."""
        return None if self.login_schedule is None else parse_hh_mm(self.login_schedule)

    def day_end_time(self) -> time | None:
        """``day_end_logout`` as a ``time`` (IST), or ``None``."""
        return None if self.day_end_logout is None else parse_hh_mm(self.day_end_logout)

    def secret_keys(self) -> list[str]:
        """The configured Fernet keys, newest first (empty when none is configured)."""
        if self.secret_key is None:
            return []
        return [k.strip() for k in self.secret_key.get_secret_value().split(",") if k.strip()]

    def account_limits(self, account: str) -> LimitsConfig:
        """Global caps overlaid with the account's own."""
        return self.limits.merged_with(self.accounts[account].limits)

    def order_rate_per_second(self, account: str, *, reaches_exchange: bool = True) -> int | None:
        """The account's order-rate ceiling per exchange segment: its own, else the
        gateway's for an account whose orders reach an exchange, else none (a paper
        account)."""
        own = self.accounts[account].compliance.order_rate_per_second
        if own is not None:
            return own
        return self.compliance.order_rate_per_second if reaches_exchange else None

    def enabled_accounts(self) -> dict[str, AccountConfig]:
        return {name: acc for name, acc in self.accounts.items() if acc.enabled}

    def disabled_adapter_ids(self) -> list[str]:
        return [a.strip() for a in self.disabled_adapters.split(",") if a.strip()]
