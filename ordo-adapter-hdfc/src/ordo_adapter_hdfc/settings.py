"""Settings of one HDFC Securities InvestRight account.

The public material on this API is thin and contradicts itself, so every host, path, the
User-Agent and each spelling the sources disagree on is a setting with the best-supported
value as its default (fact sheet section 8).
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from ordo.adapters.http import HttpSettings
from ordo.adapters.ip_rejection import IpRejectionPatterns
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ordo_adapter_hdfc.errors import IP_REJECTION_TEXTS

DEFAULT_BASE_URL = "https://developer.hdfcsec.com"
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)


class HdfcPaths(BaseModel):
    """Every REST path, relative to ``base_url``. Lists are tried in order, moving on to the
    next entry only when the broker answers 404 (the sources disagree on these)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    login: str = "/oapi/v1/login"
    login_validate: str = "/oapi/v1/login/validate"
    twofa_resend: str = "/oapi/v1/twofa/resend"
    twofa_validate: str = "/oapi/v1/twofa/validate"
    authorise: str = "/oapi/v1/authorise"
    access_token: str = "/oapi/v1/access-token"
    profile: str = "/oapi/v3/user/profile"
    profile_method: Literal["GET", "POST"] = "GET"
    margins: list[str] = Field(default_factory=lambda: ["/oapi/v1/user/margins", "/user/margins"])
    holdings: str = "/oapi/v1/portfolio/holdings"
    positions: list[str] = Field(
        default_factory=lambda: [
            "/oapi/v1/portfolio/cumulative-positions",
            "/oapi/v1/portfolio/overall_positions",
        ]
    )
    orders: str = "/oapi/v1/orders"
    order: str = "/oapi/v1/orders/{order_id}"
    order_trades: str = "/oapi/v1/orders/{order_id}/trades"
    trades: str = "/oapi/v1/trades"
    place: str = "/oapi/v1/orders/regular"
    modify: str = "/oapi/v1/orders/regular/{order_id}"
    cancel: str = "/oapi/v1/orders/regular/{order_id}"
    ltp: str = "/oapi/v1/fetch-ltp"
    security_master: str = "/oapi/v1/security-master"


class HdfcSettings(HttpSettings):
    """Configuration of one InvestRight account (``accounts.<name>.settings``)."""

    api_key: SecretStr
    """The app's API key (developer.hdfcsec.com, My Apps). Sent as the ``api_key`` query
    parameter on every call."""
    api_secret: SecretStr
    """The app's API secret, exchanged with a request token for the access token."""
    username: str = ""
    """InvestRight login id, for the programmatic login."""
    password: SecretStr | None = None
    """When unset, the programmatic login asks for it as its first challenge."""
    login_flow: Literal["api", "redirect"] = "api"
    """``api``: username/password then the 2FA answer (OTP), all through Ordo.
    ``redirect``: log in on HDFC's page and paste the URL it redirected to."""
    consent: str = "True"
    """Value of the ``consent`` parameter of the authorise step (``True``/``true``/``Y``)."""
    redirect_param_names: list[str] = Field(
        default_factory=lambda: ["request_token", "requestToken", "request-token", "code"]
    )
    """Query-parameter names that may carry the request token in the redirect URL."""

    base_url: str = DEFAULT_BASE_URL
    login_url: str | None = None
    """Browser login page; default ``base_url`` + ``paths.login``."""
    instruments_source: str | None = None
    """Security master: an ``http(s)://`` URL or a local file path. Default: the broker's
    public ``paths.security_master`` endpoint."""
    instruments_refresh_at: time = time(8, 0)
    """IST wall-clock time after which the cached master counts as stale for the day."""
    tick_size_unit: Literal["auto", "paise", "rupees"] = "auto"
    """How to read the master's ``tick_size``. ``auto``: an integer is paise, a decimal
    rupees (OpenAlgo's reading; unconfirmed)."""
    reference_as_number: bool = True
    """Send the order tag's ``external_reference_number`` as a JSON number (at most 20
    digits), as the docs' samples do; ``false`` sends the same digits as a string. The order
    book's echo is read either way, as a number or a prefixed string ("STAPI...")."""
    user_agent: str = DEFAULT_USER_AGENT
    """The broker rejects non-browser User-Agents."""
    paths: HdfcPaths = Field(default_factory=HdfcPaths)

    ltp_batch_size: Annotated[int, Field(ge=1, le=500)] = 10
    orders_per_second: Annotated[int, Field(ge=1, le=10)] = 10
    """Regulatory ceiling without exchange algo registration: 10."""
    reads_per_second: Annotated[float, Field(gt=0)] = 3.0
    """HDFC publishes no read quota; stay conservative."""
    rate_limit_retry_after: Annotated[float, Field(ge=0)] = 1.0
    """Wait suggested on a 429 that carries no ``Retry-After`` header."""
    ip_rejection_patterns: IpRejectionPatterns = Field(
        default_factory=lambda: list(IP_REJECTION_TEXTS)
    )
    """Case-insensitive regular expressions of InvestRight's "IP not allowed" answer (its
    text is UNCONFIRMED): a reply whose message matches becomes ``IP_NOT_WHITELISTED``."""
    status_poll_attempts: Annotated[int, Field(ge=0, le=10)] = 3
    """Order-status reads after a place, to catch a rejection that shows only in the book."""
    status_poll_interval: Annotated[float, Field(ge=0, le=2)] = 0.25
    challenge_ttl_seconds: Annotated[int, Field(ge=30)] = 300
    session_rollover: time = time(3, 0)
    """IST time a session is assumed to end when the token carries no ``exp``."""

    def resolved_login_url(self) -> str:
        return self.login_url or self.base_url.rstrip("/") + self.paths.login

    def resolved_instruments_source(self) -> str:
        return self.instruments_source or (self.base_url.rstrip("/") + self.paths.security_master)
