"""The day-end logout: at a configured IST time after the close every broker session is
logged out and marked expired (one ``session.expired`` audit line per account, reason
``day_end``), so the next trading day starts from a fresh login (SEBI: API sessions end
before the next trading day). The daily pre-open login (``login_schedule``) follows."""

from __future__ import annotations

from loguru import logger

from ordo.sessions.manager import SessionManager


async def end_trading_day(sessions: SessionManager) -> None:
    """Log every account's session out; one account failing does not spare the others."""
    for account in list(sessions.accounts):
        try:
            await sessions.end_day(account)
        except Exception as exc:  # e.g. the database: the next account must still end
            logger.opt(exception=exc).error("day-end logout of {} failed", account.name)
