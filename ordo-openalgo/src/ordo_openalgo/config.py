"""The ``openalgo:`` section of Ordo's YAML config: prefix, keys and their accounts."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

SECTION = "openalgo"
_ACCOUNT = re.compile(r"^[a-z0-9_-]{1,40}$")
_PREFIX = re.compile(r"^/[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FacadeKey(_Strict):
    """One OpenAlgo ``apikey`` and what it may do in Ordo."""

    apikey: SecretStr = Field(
        description="The key clients send in the body (or query); write it as {env: NAME}."
    )
    token: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] = Field(
        default="default",
        description="The Ordo API token name whose identity (audit actor, idempotency scope) "
        "the key's orders carry.",
    )
    accounts: list[str] = Field(
        min_length=1, description="Ordo accounts the key trades; several fan out, first leads."
    )
    analyzer: bool = Field(
        default=False,
        description="Limit the key to paper accounts for good (OpenAlgo's analyzer mode); "
        "the toggle endpoint cannot switch it to live.",
    )

    @field_validator("apikey")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        # Short keys are guessable and too short to be redacted by value.
        if len(value.get_secret_value()) < 16:
            raise ValueError("an apikey needs at least 16 characters")
        return value

    @field_validator("accounts")
    @classmethod
    def _account_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _ACCOUNT.match(name):
                raise ValueError(f"{name!r} is not an Ordo account name")
        if len(set(value)) != len(value):
            raise ValueError("an account is listed twice")
        return value


class OpenAlgoConfig(_Strict):
    """The facade: where it is mounted, which keys it accepts, how alerts are de-duplicated."""

    prefix: str = Field(
        default="/openalgo",
        description="Mount point; clients use host=<ordo><prefix> (paths /api/v1/... below).",
    )
    keys: list[FacadeKey] = Field(min_length=1, description="Accepted apikeys.")
    duplicate_window_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        default=30.0,
        description="An identical order body from the same key within this window is the "
        "same order (alert services retry); 0 turns this off. A client key in the body "
        "(idempotency_key) or the Idempotency-Key header is honoured regardless.",
    )
    paper_adapters: list[str] = Field(
        default_factory=lambda: ["mock"],
        description="Adapter ids whose accounts count as paper (analyzer mode).",
    )

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX.match(value) or value.startswith("/api"):
            raise ValueError("a path such as /openalgo: letters, digits, '-', '_'; not /api")
        return value

    @model_validator(mode="after")
    def _distinct_keys(self) -> OpenAlgoConfig:
        values = [k.apikey.get_secret_value() for k in self.keys]
        if len(set(values)) != len(values):
            raise ValueError("two keys have the same apikey")
        return self
