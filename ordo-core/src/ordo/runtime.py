"""The running gateway: everything ``create_app``'s lifespan builds, in one object.

Nothing here exists at import time; ``OrdoRuntime.start()`` builds it and ``stop()`` tears
it down, so tests can run many isolated gateways in one process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from loguru import logger

from ordo.adapters.base import AdapterContext
from ordo.adapters.errors import BrokerError
from ordo.audit.events import AuditEmitter
from ordo.config import Settings, api_token_table, validate_account_settings
from ordo.domain import SessionState
from ordo.orchestrator.accounts import Account, AccountSet
from ordo.orchestrator.errors import OrdoError
from ordo.orchestrator.gateway import BrokerGateway
from ordo.orchestrator.orders import OrderService
from ordo.orchestrator.reads import ReadService
from ordo.persistence.db import Database
from ordo.plugins import Plugins
from ordo.sessions.crypto import SecretBox
from ordo.sessions.manager import SessionManager


class OrdoRuntime:
    """Settings, plugins, database, accounts and services of one running gateway."""

    def __init__(
        self,
        settings: Settings,
        plugins: Plugins,
        *,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        self.settings = settings
        self.plugins = plugins
        self.emitter = AuditEmitter(plugins.hook)
        self.gateway = BrokerGateway(self.emitter)
        self.db = Database(settings.resolved_database_url())
        self.accounts = AccountSet()
        self.tokens = api_token_table(settings)
        self.box = SecretBox.from_settings(settings, settings.data_dir)
        self._totp_secrets = {
            name: config.totp_secret.get_secret_value()
            for name, config in settings.accounts.items()
            if config.totp_secret is not None
        }
        self.sessions = SessionManager(
            self.accounts,
            self.gateway,
            self.db,
            self.box,
            self.emitter,
            totp_secrets=self._totp_secrets,
        )
        self.gateway.session_expired_listeners.append(self.sessions.on_broker_expired)
        self.reads = ReadService(self.gateway)
        self.orders = OrderService(
            self.gateway, plugins.hook, lambda name: settings.account_limits(name).to_order_limits()
        )
        self._transports = dict(transports or {})

    async def start(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        await self.db.create_all()
        adapter_settings = validate_account_settings(self.settings, self.plugins.registry)
        for name, config in self.settings.accounts.items():
            if not config.enabled:
                continue
            cls = self.plugins.registry.get(config.adapter)
            context = AdapterContext(
                account=name,
                data_dir=self.settings.data_dir / "accounts" / name,
                transport=self._transports.get(name),
            )
            context.data_dir.mkdir(parents=True, exist_ok=True)
            adapter = cls(adapter_settings[name], context)
            await adapter.start()
            account = Account(name=name, adapter=adapter)
            self.accounts.add(account)
            logger.info("account {} ready ({})", name, cls.id)
        await self.sessions.restore_all()
        for account in self.accounts:
            await self._login_at_start(account)

    async def _login_at_start(self, account: Account) -> None:
        """Log in without a person where that sends no SMS and opens no browser: adapters
        that need no input, and accounts with a TOTP seed."""
        if self.sessions.state(account) is SessionState.ACTIVE:
            return
        unattended = account.adapter.logs_in_unattended()
        if not unattended and account.name not in self._totp_secrets:
            return
        try:
            await self.sessions.begin(account)
        except (BrokerError, OrdoError) as exc:
            logger.warning("login of {} at start failed: {}", account.name, exc)

    def describe_accounts(self) -> list[dict[str, Any]]:
        rows = []
        for account in self.accounts:
            session = account.adapter.session
            state = self.sessions.state(account)
            rows.append(
                {
                    "name": account.name,
                    "adapter": account.adapter_id,
                    "display_name": account.adapter.display_name,
                    "capabilities": sorted(c.value for c in account.adapter.capabilities),
                    "session_state": state.value,
                    "logged_in_at": session.logged_in_at.isoformat() if session else None,
                    "expires_at": session.expires_at.isoformat()
                    if session and session.expires_at
                    else None,
                }
            )
        return rows

    async def stop(self) -> None:
        for account in self.accounts:
            try:
                await account.adapter.aclose()
            except Exception as exc:  # one adapter failing to close must not block the rest
                logger.warning("closing account {} failed: {}", account.name, exc)
        await self.db.dispose()
