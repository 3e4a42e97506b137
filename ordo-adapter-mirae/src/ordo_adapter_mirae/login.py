"""Pure session arithmetic and the mapping of m.Stock's session object."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ordo.adapters.clock import next_midnight_ist
from ordo.adapters.values import parse_text
from ordo.domain import BrokerSession
from pydantic import SecretStr

from ordo_adapter_mirae.mapping import MappingError
from ordo_adapter_mirae.values import lower_keys


def session_expiry(logged_in_at: datetime, hours: float = 12.0) -> datetime:
    """m.Stock tokens end 12 hours after login or at the next midnight IST, whichever is
    first."""
    return min(logged_in_at + timedelta(hours=hours), next_midnight_ist(logged_in_at))


def session_from_data(
    data: Any, *, logged_in_at: datetime, hours: float, extra: Mapping[str, str]
) -> BrokerSession:
    """The ``data`` of ``session/token`` or ``session/verifytotp`` -> ``BrokerSession``.

    Only the access token is secret; the user id rides in ``extra`` so a restored session
    needs nothing else (the API key comes from the account's settings).
    """
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, Mapping):
        raise MappingError("the session reply carries no session object")
    r = lower_keys(data)
    token = parse_text(r.get("access_token"))
    if not token:
        raise MappingError("the session reply carries no access_token")
    user_id = parse_text(r.get("user_id")) or None
    refresh = parse_text(r.get("refresh_token"))
    details = {"user_name": parse_text(r.get("user_name")), **extra}
    if user_id:
        details["user_id"] = user_id
    return BrokerSession(
        access_token=SecretStr(token),
        refresh_token=SecretStr(refresh) if refresh else None,
        user_id=user_id,
        logged_in_at=logged_in_at,
        expires_at=session_expiry(logged_in_at, hours),
        extra={key: value for key, value in details.items() if value},
    )


def login_flag(value: Any) -> bool:
    """Login flags arrive as booleans or as the strings ``"true"``/``"false"``."""
    if isinstance(value, bool):
        return value
    return parse_text(value).lower() in ("true", "1", "yes")
