"""``GET /api/v1/accounts``: each configured account with its adapter and session."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ordo.orchestrator.accounts import Account
from ordo.sessions.manager import SessionManager


def describe_accounts(
    accounts: Iterable[Account], sessions: SessionManager
) -> list[dict[str, Any]]:
    rows = []
    for account in accounts:
        session = account.adapter.session
        state = sessions.state(account)
        rows.append(
            {
                "name": account.name,
                "adapter": account.adapter_id,
                "display_name": account.adapter.display_name,
                "capabilities": sorted(c.value for c in account.adapter.capabilities),
                "market_protection": account.adapter.market_protection.value,
                "session_state": state.value,
                "unattended_login": sessions.can_login_unattended(account),
                "logged_in_at": session.logged_in_at.isoformat() if session else None,
                "expires_at": session.expires_at.isoformat()
                if session and session.expires_at
                else None,
            }
        )
    return rows
