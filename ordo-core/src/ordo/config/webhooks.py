"""Webhook targets of order events (``webhooks:`` in the YAML file)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from ordo.events.model import EventStatus

WEBHOOK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MIN_SECRET_LENGTH = 16


class WebhookConfig(BaseModel):
    """One webhook: where order events go, the secret that signs them, which events."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Name shown in /status and the outbox.")
    url: str = Field(description="http(s) URL that receives each event as a signed POST.")
    secret: SecretStr = Field(
        description="HMAC-SHA256 key of the signature; give it as a secret reference "
        "({env: NAME} or {file: PATH}). At least 16 characters."
    )
    accounts: list[str] | None = Field(default=None, description="Only these accounts.")
    statuses: list[EventStatus] | None = Field(default=None, description="Only these statuses.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not WEBHOOK_NAME.match(value):
            raise ValueError("use 1-64 letters, digits, '_', '.' or '-'")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value.strip()

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
        return value

    def wants(self, account: str, status: EventStatus) -> bool:
        return (self.accounts is None or account in self.accounts) and (
            self.statuses is None or status in self.statuses
        )
