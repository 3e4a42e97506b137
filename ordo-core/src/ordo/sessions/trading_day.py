"""Sessions end with their IST trading day (SEBI: API sessions are logged out before the next
trading day). A session opened on an earlier IST date than today's is refused locally,
before anything is sent, whether or not the day-end logout ran (the server may have been
down at the close)."""

from __future__ import annotations

from datetime import date, datetime

from ordo.adapters.clock import IST
from ordo.domain import BrokerSession
from ordo.errors import SessionExpired


def trading_day(moment: datetime) -> date:
    """The IST date ``moment`` falls on: the trading day a session opened then belongs to."""
    return moment.astimezone(IST).date()


def from_earlier_day(session: BrokerSession, now: datetime) -> bool:
    """Whether ``session`` was opened on an IST date before ``now``'s."""
    return trading_day(session.logged_in_at) < trading_day(now)


class PreviousDaySession(SessionExpired):
    """``SESSION_EXPIRED`` raised by Ordo itself: the session belongs to an earlier trading
    day, so no broker call may use it. Same class of error as the broker's own 401."""

    def __init__(self, account: str, session: BrokerSession, now: datetime) -> None:
        self.session_day = trading_day(session.logged_in_at)
        self.today = trading_day(now)
        super().__init__(
            f"the session of account {account!r} belongs to trading day "
            f"{self.session_day.isoformat()} (today is {self.today.isoformat()} IST); "
            "sessions end with their trading day: log in again"
        )


def refuse_previous_day(account: str, session: BrokerSession | None, now: datetime) -> None:
    """Raise ``PreviousDaySession`` when ``session`` is from an earlier trading day."""
    if session is not None and from_earlier_day(session, now):
        raise PreviousDaySession(account, session, now)
