"""Audit sinks, metrics and the log handler of one running gateway, started and stopped
with it.

The sinks and the metrics are ``audit_event`` plugins registered on the gateway's plugin
manager, the same mechanism a third-party sink (a chat alert, a SIEM) uses.
"""

from __future__ import annotations

from loguru import logger

from ordo.audit.db_sink import DatabaseAuditSink
from ordo.audit.events import AuditEmitter
from ordo.audit.file_sink import FileAuditSink
from ordo.config import Settings
from ordo.logs import install_logging
from ordo.metrics import OrdoMetrics
from ordo.orchestrator.accounts import Account, AccountSet
from ordo.orchestrator.guard import CallGuard
from ordo.persistence.db import Database
from ordo.plugins import Plugins
from ordo.sessions.manager import SessionManager


class Observability:
    """File and database audit sinks, Prometheus metrics and the log handler.

    ``start()`` after the database schema exists, ``stop()`` before the database closes.
    """

    def __init__(
        self,
        settings: Settings,
        plugins: Plugins,
        emitter: AuditEmitter,
        db: Database,
        accounts: AccountSet,
        sessions: SessionManager,
        gateway: CallGuard,
        *,
        install_log_handler: bool = True,
    ) -> None:
        self.settings = settings
        self.emitter = emitter
        self._pm = plugins.pm
        self.metrics = OrdoMetrics(accounts, sessions)
        self.file_sink = FileAuditSink(settings.resolved_audit_file(), settings.audit)
        self.db_sink = DatabaseAuditSink(db, on_drop=self.metrics.count_dropped)
        self._install_log_handler = install_log_handler
        self._log_handler: int | None = None
        self._names: list[str] = []
        gateway.observers.append(self.metrics.observe_broker_call)
        gateway.wait_observers.append(self._observe_wait)

    @property
    def logging_active(self) -> bool:
        """Whether this gateway's log handler is installed (``ordo serve``'s own handler
        stays quiet meanwhile)."""
        return self._log_handler is not None

    def start(self) -> None:
        """Install the log handler, open the audit file, start the database writer and
        register the sinks (events emitted before this are not recorded)."""
        if self._install_log_handler and self._log_handler is None:
            self._log_handler = install_logging(
                self.settings.log_level,
                as_json=self.settings.log_json,
                secrets=self.emitter.secrets.forms,
            )
        self.file_sink.start()
        self.db_sink.start()
        for plugin, role in (
            (self.file_sink, "file"),
            (self.db_sink, "db"),
            (self.metrics, "metrics"),
        ):
            # Unique per runtime: several gateways may share one plugin manager in tests.
            name = f"ordo.audit.{role}.{id(self):x}"
            self._pm.register(plugin, name=name)
            self._names.append(name)

    async def stop(self) -> None:
        """Unregister the sinks, store what is queued, close the file and the log handler."""
        for name in self._names:
            self._pm.unregister(name=name)
        self._names.clear()
        await self.db_sink.stop()
        self.file_sink.stop()
        if self._log_handler is not None:
            logger.remove(self._log_handler)
            self._log_handler = None

    def _observe_wait(self, account: Account, seconds: float) -> None:
        self.metrics.observe_limiter_wait(account.name, seconds)
