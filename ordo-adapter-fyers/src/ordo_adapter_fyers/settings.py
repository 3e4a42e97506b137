"""Settings of one Fyers account. Every host is configurable so the adapter can be pointed at
the bundled fake (``python -m ordo_adapter_fyers.fake``) for offline rehearsal."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal, Self

from ordo.adapters.http import HttpSettings
from ordo.adapters.ip_rejection import IpRejectionPatterns
from pydantic import Field, SecretStr, model_validator

from ordo_adapter_fyers.errors import IP_REJECTION_TEXTS

PUBLIC_MASTER_BASE = "https://public.fyers.in/sym_details"

DEFAULT_MASTER_SOURCES: tuple[str, ...] = (
    f"{PUBLIC_MASTER_BASE}/NSE_CM_sym_master.json",
    f"{PUBLIC_MASTER_BASE}/BSE_CM_sym_master.json",
    f"{PUBLIC_MASTER_BASE}/NSE_FO_sym_master.json",
    f"{PUBLIC_MASTER_BASE}/BSE_FO_sym_master.json",
    f"{PUBLIC_MASTER_BASE}/NSE_CD_sym_master.json",
    f"{PUBLIC_MASTER_BASE}/MCX_COM_sym_master.json",
)
"""The JSON masters carry ``tradeStatus``, the best tradability flag; the CSV files
(same names with ``.csv``) work too."""


class FyersSettings(HttpSettings):
    """Configuration of the Fyers adapter (``accounts.<name>.settings`` in Ordo's config)."""

    app_id: Annotated[str, Field(min_length=3, pattern=r"^[A-Za-z0-9]+-\d+$")]
    """The app's client id including its app-type suffix, e.g. ``XC1234ABCD-100``."""
    app_secret: SecretStr
    """The app's secret key from the myapi.fyers.in dashboard."""
    redirect_uri: Annotated[str, Field(min_length=1)]
    """The redirect URI registered for the app (must match exactly)."""

    api_base_url: str = "https://api-t1.fyers.in/api/v3"
    data_base_url: str = "https://api-t1.fyers.in/data"
    login_base_url: str = "https://api-t2.fyers.in/vagator/v2"
    """Host of the unofficial web-login endpoints (headless flow only)."""

    order_socket_url: str = "wss://socket.fyers.in/trade/v3"
    """The order WebSocket: Ordo's push channel for order changes after the ack."""
    order_push: bool = True
    """Follow orders through the order WebSocket (polling stays the fallback); off: poll
    only."""
    order_socket_ping_seconds: Annotated[float, Field(gt=0, le=300)] | None = 10.0
    """A text ``ping`` on the order socket every so many seconds, besides protocol pings
    (answered ``pong``); ``None``: protocol pings only."""

    send_version_header: bool = True
    """The official SDK always sends ``version: 3``; the docs never mention it."""

    login_challenge_ttl: Annotated[int, Field(ge=30, le=3600)] = 600
    """Seconds a login challenge stays answerable."""

    unofficial_headless_login: bool = False
    """Log in through Fyers' internal web-login endpoints with TOTP and PIN instead of the
    official browser redirect. UNOFFICIAL: not part of the API reference, may break without
    notice and may conflict with the daily-2FA rules. Off by default."""
    fyers_id: str | None = None
    """The user's Fyers client id (headless flow only)."""
    totp_secret: SecretStr | None = None
    """Base32 TOTP secret; when set the headless flow generates the code itself."""
    pin: SecretStr | None = None
    """Login PIN; when set the headless flow answers the PIN step itself."""

    symbol_master_sources: list[str] = Field(
        default_factory=lambda: list(DEFAULT_MASTER_SOURCES), min_length=1
    )
    """Symbol-master files to load, each an http(s) URL or a local path, ``.json`` or ``.csv``."""
    instrument_refresh_time: time = time(8, 0)
    """IST wall-clock time after which a master downloaded earlier counts as stale."""

    funds_available_id: int = 10
    """``fund_limit`` line reported as available (10 = "Available Balance"; 3 = "Clear
    Balance" excludes collateral)."""
    funds_segments: Literal["equity", "commodity", "both"] = "equity"
    """Which ledger amounts of each fund line to add up."""
    ip_rejection_patterns: IpRejectionPatterns = Field(
        default_factory=lambda: list(IP_REJECTION_TEXTS)
    )
    """Case-insensitive regular expressions of Fyers's "IP not allowed" answer (its exact
    text is UNCONFIRMED): a reply whose message matches becomes ``IP_NOT_WHITELISTED``."""

    @model_validator(mode="after")
    def _headless_needs_id(self) -> Self:
        if self.unofficial_headless_login and not self.fyers_id:
            raise ValueError("unofficial_headless_login needs fyers_id")
        return self

    @property
    def app_id_without_type(self) -> str:
        """``XC1234ABCD-100`` -> ``XC1234ABCD`` (the form the web-login token step wants)."""
        return self.app_id.rsplit("-", 1)[0]

    @property
    def app_type(self) -> str:
        return self.app_id.rsplit("-", 1)[1]
