"""Settings of one m.Stock account. Secrets are ``SecretStr`` so they never print."""

from __future__ import annotations

from typing import Annotated

from ordo.adapters.http import HttpSettings
from ordo.adapters.ip_rejection import IpRejectionPatterns
from pydantic import Field, SecretStr, field_validator

from ordo_adapter_mirae.errors import IP_REJECTION_TEXTS

DEFAULT_BASE_URL = "https://api.mstock.trade"
TYPE_A_PREFIX = "/openapi/typea"


class MiraeSettings(HttpSettings):
    """Configuration of the m.Stock (Type A) adapter for one account."""

    username: Annotated[str, Field(min_length=1)]
    """The m.Stock client code used to sign in (``username`` on ``connect/login``)."""
    password: SecretStr
    login_field_names: tuple[str, str] = ("Username", "Password")
    """Form keys of the user id and password on ``connect/login``: the official SDK's
    capitalised names, the form known to work in production (the docs show lower case)."""
    modify_resends_instrument: bool = False
    """On modify, also send ``tradingsymbol``, ``exchange``, ``transaction_type`` and
    ``product`` (listed in the docs' table). Off: only the six fields the official SDK sends.
    The product is always one the place-order call takes (``INTRADAY`` goes back as MIS)."""
    api_key: SecretStr
    """Generated at trade.mstock.com under Products > Trading APIs."""
    totp_secret: SecretStr | None = None
    """Base32 secret of the authenticator enrolled for this account. When set, login runs
    unattended through ``session/verifytotp`` and no challenge is shown."""
    authenticator: bool = False
    """The account uses an authenticator: ask for its 6-digit code instead of an SMS OTP.
    Implied when ``totp_secret`` is set."""
    base_url: str = DEFAULT_BASE_URL
    socket_url: str = "wss://ws.mstock.trade"
    """The socket whose order frames are Ordo's push channel for order changes."""
    order_push: bool = True
    """Follow orders through the socket's order frames (polling stays the fallback);
    off: poll only."""
    api_prefix: str = TYPE_A_PREFIX
    checksum: str = "L"
    """The literal source code sent as ``checksum`` on ``session/token`` (never a hash)."""
    checksum_fallback: str | None = "W"
    """Sent instead when the broker refuses ``checksum`` as input (older docs and SDKs)."""
    send_private_key: bool = True
    """Also send ``X-PrivateKey: api_key`` (listed for all calls on the docs' intro page)."""
    instruments_source: str | None = None
    """Where the scrip master comes from: ``None`` for the broker's own ``scriptmaster``
    endpoint (needs a session), an ``http(s)://`` URL, or a local CSV path."""
    instruments_refresh_at: str = "08:35"
    """IST wall-clock time after which the cached master counts as stale (after BOD)."""
    read_timeout: Annotated[float, Field(gt=0, le=120)] = 7.0
    """The official SDK's default is 7 s."""
    challenge_ttl_seconds: Annotated[int, Field(ge=30, le=1800)] = 300
    session_hours: Annotated[float, Field(gt=0, le=24)] = 12.0
    """Tokens live 12 hours or until midnight IST, whichever comes first."""
    ip_rejection_patterns: IpRejectionPatterns = Field(
        default_factory=lambda: list(IP_REJECTION_TEXTS)
    )
    """Case-insensitive regular expressions of m.Stock's "IP not allowed" answer (the known
    text is a community report): a reply whose message matches becomes
    ``IP_NOT_WHITELISTED``, not the API-key ``AUTH_FAILED`` its error type would say."""

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("api_prefix")
    @classmethod
    def _prefix_shape(cls, value: str) -> str:
        return "/" + value.strip("/")

    @field_validator("instruments_refresh_at")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        hours, sep, minutes = value.partition(":")
        if not sep or not (hours.isdigit() and minutes.isdigit()):
            raise ValueError("instruments_refresh_at must read HH:MM")
        if not (0 <= int(hours) < 24 and 0 <= int(minutes) < 60):
            raise ValueError("instruments_refresh_at must be a valid time of day")
        return f"{int(hours):02d}:{int(minutes):02d}"

    @property
    def totp_enabled(self) -> bool:
        return self.authenticator or self.totp_secret is not None
