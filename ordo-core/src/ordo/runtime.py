"""The running gateway: everything ``create_app``'s lifespan builds, in one object.

Nothing here exists at import time; ``OrdoRuntime.start()`` builds it and ``stop()`` tears
it down, so tests can run many isolated gateways in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx
from loguru import logger

from ordo import __version__
from ordo.adapters.base import AdapterContext
from ordo.audit.events import AuditEmitter
from ordo.audit.query import AuditQuery
from ordo.audit.secret_values import url_passwords
from ordo.config import Settings, api_token_table, validate_account_settings
from ordo.domain import SessionState
from ordo.egress.checks import egresses
from ordo.egress.monitor import EgressMonitor
from ordo.events.confirm import CancelConfirmer
from ordo.events.log import EventLog
from ordo.events.watcher import OrderWatchers
from ordo.events.webhooks import WebhookDispatcher, router_for
from ordo.hook_context import HookContext
from ordo.jobs import Job, daily_at, every
from ordo.observability import Observability
from ordo.orchestrator.accounts import Account, AccountSet
from ordo.orchestrator.changes import OrderChanges
from ordo.orchestrator.claims import ClaimSweeper, instance_name
from ordo.orchestrator.exits import PositionExits
from ordo.orchestrator.guard import CallGuard
from ordo.orchestrator.kill_switch import KillSwitchRow, KillSwitchService
from ordo.orchestrator.ledger import Ledger
from ordo.orchestrator.leg import LegPlacer
from ordo.orchestrator.lookup import OrderLookup
from ordo.orchestrator.place import PlacementService
from ordo.orchestrator.pretrade import OrderSafety, PreTrade
from ordo.orchestrator.protection import MarketProtector
from ordo.orchestrator.reads import ReadService
from ordo.orchestrator.slicing import FreezeLimits
from ordo.orchestrator.unit_of_work import OrderUnitOfWork
from ordo.persistence.db import Database
from ordo.plugins import Plugins
from ordo.safety.breaker import AccountBreaker
from ordo.safety.funds import FundsCache
from ordo.safety.idempotency import InFlightRegistry
from ordo.safety.killswitch import KillSwitch
from ordo.safety.limiter import AccountLimiter
from ordo.safety.order_ceiling import OrderCeiling
from ordo.sessions.crypto import SecretBox
from ordo.sessions.day_end import end_trading_day
from ordo.sessions.manager import SessionManager
from ordo.sessions.totp_seeds import TOTP_CREDENTIAL, TotpSeedStore

if TYPE_CHECKING:
    from ordo.replicas import SharedState

__all__ = ["TOTP_CREDENTIAL", "OrdoRuntime"]


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
        # API tokens, the secret key, TOTP seeds and passwords in database/Redis URLs are
        # redacted by value in every log line and audit event from the first one on.
        self.emitter.secrets.add_from(settings)
        self.emitter.secrets.add(*url_passwords(settings.database_url, settings.redis_url))
        self.emitter.secrets.add(*(w.secret.get_secret_value() for w in settings.webhooks))
        self.guard = CallGuard(self.emitter, default_deadline=settings.request_deadline_seconds)
        self.db = Database(settings.resolved_database_url())
        self.accounts = AccountSet()
        self.tokens = api_token_table(settings)
        self.box = SecretBox.from_settings(settings, settings.data_dir)
        self._totp_secrets = {
            name: config.totp_secret.get_secret_value()
            for name, config in settings.accounts.items()
            if config.totp_secret is not None
        }
        self.totp_seeds = TotpSeedStore(self.db, self.box)
        self.sessions = SessionManager(
            self.accounts,
            self.guard,
            self.db,
            self.box,
            self.emitter,
            totp_secrets=self._totp_secrets,
        )
        self.guard.session_expired_listeners.append(self.sessions.on_broker_expired)
        self.reads = ReadService(self.guard)
        self.ledger = Ledger(self.db, self.guard, self.emitter)
        replica = settings.redis_url is not None
        owner = instance_name(settings.data_dir, replica=replica)
        self.claims = ClaimSweeper(
            self.db,
            owner,
            replica=replica,
            abandoned_after=max(60.0, 3 * settings.request_deadline_seconds),
        )
        unit_of_work = OrderUnitOfWork(
            self.db,
            InFlightRegistry(),
            ttl=timedelta(hours=settings.idempotency_ttl_hours),
            owner=owner,
        )
        self.kill_switch_row = KillSwitchRow(self.db)
        self.safety = OrderSafety(
            kill_switch=KillSwitch(self.kill_switch_row.load, self.kill_switch_row.save),
            funds=FundsCache(settings.funds_cache_ttl_seconds),
            deadline_seconds=settings.request_deadline_seconds,
        )
        self.kill_switch = self.safety.kill_switch
        self.egress = EgressMonitor(self.accounts, settings.egress_check, self.emitter)
        self.safety.before_order = self.egress.before_order
        pretrade = PreTrade(
            self.guard,
            plugins.hook,
            lambda name: settings.account_limits(name).to_order_limits(),
            self.safety,
        )
        compliance = settings.compliance
        legs = LegPlacer(
            self.guard,
            pretrade,
            self.ledger,
            self.safety,
            self.emitter,
            protector=MarketProtector(pretrade, compliance.market_protection_pct),
            freeze=FreezeLimits(compliance.freeze_quantities),
        )
        self.placement = PlacementService(self.accounts, legs, unit_of_work, self.safety)
        self.changes = OrderChanges(
            self.accounts, self.guard, unit_of_work, self.safety, ledger=self.ledger
        )
        self.exits = PositionExits(self.guard, legs, self.ledger, unit_of_work, self.safety)
        self.lookup = OrderLookup(self.accounts, self.guard, self.ledger)
        self.events = EventLog(
            self.db, self.emitter, plugins.hook, webhooks=router_for(settings.webhooks)
        )
        self.watchers = OrderWatchers(
            self.accounts,
            self.events,
            self.guard,
            interval=settings.order_watch_interval_seconds,
        )
        self.webhooks = WebhookDispatcher(self.db, settings.webhooks)
        self.events.outbox_listeners.append(self.webhooks.wake)
        self.kill_switch_service = KillSwitchService(
            self.kill_switch,
            self.emitter,
            self.accounts,
            self.changes,
            confirmer=CancelConfirmer(self.events, self.guard),
        )
        self._tasks: list[asyncio.Task[None]] = []
        self.shared_state: SharedState | None = None
        """Redis state shared with other replicas; ``None`` without ``redis_url``."""
        self._transports = dict(transports or {})
        self.observability = Observability(
            settings, plugins, self.emitter, self.db, self.accounts, self.sessions, self.guard
        )
        self.audit_query = AuditQuery(self.db, self.observability.db_sink)
        self.observability.metrics.count_per_account(
            "ordo_order_channel_unknown_frames",
            "Push-channel frames skipped because their shape is unknown.",
            self.watchers.unknown_frames,
        )

    async def start(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        await self.db.create_all()
        await self.claims.at_start()
        await self.events.start()
        await self.webhooks.load()
        await self.totp_seeds.store(self.settings.accounts, self._totp_secrets)
        self.observability.start()
        if self.settings.redis_url:
            # Redis is an extra (ordo-core[redis]): imported only when configured.
            from ordo.replicas import SharedState

            self.shared_state = SharedState.from_url(
                self.settings.redis_url, self.kill_switch, prefix=self.settings.redis_prefix
            )
            self.kill_switch_row.publish_with(self.shared_state.kill_switch.publish)
        adapter_settings = validate_account_settings(self.settings, self.plugins.registry)
        account_egress = egresses(self.settings.accounts)
        for validated in adapter_settings.values():
            self.emitter.secrets.add_from(validated)
        for name, config in self.settings.accounts.items():
            if not config.enabled:
                continue
            cls = self.plugins.registry.get(config.adapter)
            context = AdapterContext(
                account=name,
                data_dir=self.settings.data_dir / "accounts" / name,
                transport=self._transports.get(name),
                egress=account_egress.get(name),
            )
            context.data_dir.mkdir(parents=True, exist_ok=True)
            adapter = cls(adapter_settings[name], context)
            await adapter.start()
            account = Account(
                name=name,
                adapter=adapter,
                breaker=AccountBreaker(
                    name,
                    fail_max=self.settings.breaker_fail_max,
                    window_seconds=self.settings.breaker_window_seconds,
                    reset_seconds=self.settings.breaker_reset_seconds,
                    on_transition=self._breaker_transition,
                ),
                limiter=AccountLimiter(
                    name,
                    adapter.rate_limits,
                    queue_size=self.settings.rate_limit_queue_size,
                    margin=self.settings.rate_limit_margin_seconds,
                    shared=self.shared_state.windows if self.shared_state else None,
                ),
                ceiling=self._ceiling(name, cls.reaches_exchange),
            )
            self.accounts.add(account)
            if context.egress is not None:
                self.egress.track(name, context.egress)
            route = context.egress.describe() if context.egress else "default route"
            logger.info("account {} ready ({}, egress {})", name, cls.id, route)
        await self.egress.check_all()
        await self.kill_switch.start()
        if self.shared_state is not None:
            await self.shared_state.start()
        await self.sessions.restore_all()
        for account in self.accounts:
            await self._login_at_start(account)
        await self.watchers.sync()
        self._tasks = [asyncio.create_task(job()) for job in self._jobs()]
        self._tasks.append(asyncio.create_task(self.webhooks.run()))

    def _ceiling(self, account: str, reaches_exchange: bool) -> OrderCeiling | None:
        rate = self.settings.order_rate_per_second(account, reaches_exchange=reaches_exchange)
        return None if rate is None else OrderCeiling(rate)

    def _jobs(self) -> list[Job]:
        """Every service's background jobs."""
        jobs = [
            *self.ledger.jobs(
                self.accounts, self.safety.policy, self.settings.reconcile_interval_seconds
            ),
            *self.claims.jobs(self.settings.reconcile_interval_seconds),
            every(30.0, self.sessions.sweep),
            # A new session (login, refresh) starts its account's order watcher.
            every(min(2.0, self.settings.order_watch_interval_seconds), self.watchers.sync),
        ]
        day_end = self.settings.day_end_time()
        if day_end is not None:
            jobs.append(daily_at(day_end, lambda: end_trading_day(self.sessions)))
        login_time = self.settings.login_time()
        if login_time is not None:
            jobs.append(daily_at(login_time, self.sessions.login_unattended))
        return jobs

    def _breaker_transition(self, account: str, old: str, new: str) -> None:
        self.emitter.emit("breaker.transition", account=account, old=old, new=new)

    async def _login_at_start(self, account: Account) -> None:
        """Log in without a person where that sends no SMS and opens no browser: adapters
        that need no input and whose sessions die with the process (always afresh), and
        accounts that can log in unattended (a TOTP seed at either level of the config)
        whose stored session is not active."""
        adapter = account.adapter
        fresh = adapter.logs_in_unattended() and not adapter.sessions_survive_restart
        stale = self.sessions.state(account) is not SessionState.ACTIVE
        if fresh or (stale and self.sessions.can_login_unattended(account)):
            await self.sessions.login_quietly(account)

    def hook_context(self) -> HookContext:
        """The stable view of this gateway that hooks receive."""
        return HookContext(
            version=__version__,
            data_dir=self.settings.data_dir,
            accounts=tuple(a.name for a in self.accounts),
            kill_switch=lambda: self.kill_switch.state,
            audit=self.emitter.emit,
        )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.watchers.stop()
        await self.webhooks.aclose()
        for account in self.accounts:
            try:
                await account.adapter.aclose()
            except Exception as exc:  # one adapter failing to close must not block the rest
                logger.warning("closing account {} failed: {}", account.name, exc)
        await self.observability.stop()
        if self.shared_state is not None:
            await self.shared_state.aclose()
        await self.db.dispose()
