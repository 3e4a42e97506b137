"""The nested parts of ``Settings``: accounts, order limits, audit file, API tokens."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from ordo.config.egress import EgressConfig
from ordo.safety.checks import OrderLimits

ACCOUNT_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")
TOKEN_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

Compression = Literal["gz", "bz2", "xz", "zip", "tar", "tar.gz", "tar.bz2", "tar.xz"]


class _Strict(BaseModel):
    # A typo in a config file must fail at start, not be silently ignored.
    model_config = ConfigDict(extra="forbid")


class LimitsConfig(_Strict):
    """Optional order caps; ``None`` means no cap."""

    max_order_quantity: Annotated[int, Field(gt=0)] | None = Field(
        default=None, description="Largest quantity a single order leg may carry."
    )
    max_order_value: Annotated[Decimal, Field(gt=0)] | None = Field(
        default=None, description="Largest value (price x quantity, INR) of a single order leg."
    )
    max_daily_quantity: Annotated[int, Field(gt=0)] | None = Field(
        default=None, description="Largest total quantity ordered per account per day."
    )
    max_daily_value: Annotated[Decimal, Field(gt=0)] | None = Field(
        default=None, description="Largest total order value (INR) per account per day."
    )

    def to_order_limits(self) -> OrderLimits:
        """The form the pre-trade checks consume."""
        return OrderLimits(
            max_order_quantity=self.max_order_quantity,
            max_order_value=self.max_order_value,
            max_daily_quantity=self.max_daily_quantity,
            max_daily_value=self.max_daily_value,
        )

    def merged_with(self, override: LimitsConfig) -> LimitsConfig:
        """These caps with every cap ``override`` sets replacing ours (account over global)."""
        return self.model_copy(update=override.model_dump(exclude_none=True))


class AuditConfig(_Strict):
    """The append-only JSON-lines audit file."""

    file: Path | None = Field(
        default=None, description="Audit file; default <data_dir>/audit/audit.jsonl."
    )
    rotation_bytes: Annotated[int, Field(gt=0)] = Field(
        default=10 * 1024 * 1024, description="Rotate the file when it grows past this size."
    )
    retention: Annotated[int, Field(ge=1)] = Field(
        default=10, description="How many rotated files to keep."
    )
    compression: Compression | None = Field(
        default="gz", description="Compression of rotated files; null keeps them plain."
    )


class AccountConfig(_Strict):
    """One named broker account."""

    adapter: str = Field(description="Adapter id, e.g. 'fyers', 'hdfc', 'mirae', 'mock'.")
    settings: dict[str, Any] = Field(
        default_factory=dict,
        # Values may be API secrets until the adapter's own model wraps them in SecretStr.
        repr=False,
        description="Adapter settings, validated against the adapter's Settings model.",
    )
    enabled: bool = Field(default=True, description="A disabled account is not loaded.")
    totp_secret: SecretStr | None = Field(
        default=None, description="Base32 TOTP seed, so Ordo can answer TOTP challenges itself."
    )
    limits: LimitsConfig = Field(
        default_factory=LimitsConfig, description="Caps for this account (override global ones)."
    )
    egress: EgressConfig | None = Field(
        default=None,
        description="Where the account's broker calls leave from and the IPs registered "
        "with the broker; unset: the host's default route, unchecked.",
    )

    @field_validator("adapter")
    @classmethod
    def _adapter_id(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name an adapter id")
        return value.strip()


class ApiTokenEntry(_Strict):
    """One API bearer token: the token itself, or only its SHA-256 (hex) so that the config
    file holds nothing that grants access."""

    name: str = Field(description="Name recorded in the audit log for requests using it.")
    token: SecretStr | None = Field(default=None, description="The bearer token.")
    sha256: str | None = Field(default=None, description="Hex SHA-256 of the bearer token.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not TOKEN_NAME.match(value):
            raise ValueError("token names use letters, digits, '.', '_' and '-' (1-64 chars)")
        return value

    @field_validator("sha256")
    @classmethod
    def _digest(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _SHA256_HEX.match(value):
            raise ValueError("sha256 must be 64 hexadecimal characters")
        return value.lower()

    @model_validator(mode="after")
    def _one_form(self) -> ApiTokenEntry:
        if (self.token is None) == (self.sha256 is None):
            raise ValueError("give exactly one of 'token' or 'sha256'")
        if self.token is not None and not self.token.get_secret_value():
            raise ValueError("token must not be empty")
        return self


def parse_token_list(value: Any) -> Any:
    """``name:token,name2:token2`` (the env form) -> a list of ``{name, token}``.

    Other shapes pass through for normal validation. Messages never quote the value.
    """
    if not isinstance(value, str):
        return value
    entries = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        name, sep, token = part.partition(":")
        if not sep or not name.strip() or not token.strip():
            raise ValueError("expected comma-separated name:token pairs")
        entries.append({"name": name.strip(), "token": token.strip()})
    return entries


def check_account_name(name: str) -> str:
    if not ACCOUNT_NAME.match(name):
        raise ValueError(
            "account names use lowercase letters, digits, '-' and '_' (1-40 characters)"
        )
    return name


def parse_hh_mm(value: str) -> time:
    """``"08:45"`` -> ``time(8, 45)``; anything else is a ``ValueError``."""
    match = _HH_MM.match(value.strip())
    if not match:
        raise ValueError("expected a 24-hour IST time 'HH:MM', e.g. '08:45'")
    return time(int(match.group(1)), int(match.group(2)))
