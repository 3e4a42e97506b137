"""The JSON-lines audit file (FR22): hash-chained, size-rotated, compressed, retained.

Lines are sealed on the caller's thread (a SHA-256 of a few hundred bytes) so their order is
the order of the chain; writing, rotating and compressing happen on a ``LineWriter`` thread
that hands loguru the lines in chunks, so neither a slow disk nor loguru's per-message work
stalls an order.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from loguru import logger
from loguru._logger import Core, Logger

from ordo.audit.chain import GENESIS, BrokenLine, event_record, parse_sealed, seal
from ordo.audit.events import AuditEvent
from ordo.audit.files import audit_files, last_line
from ordo.audit.line_writer import LineWriter
from ordo.config.models import AuditConfig
from ordo.hookspecs import hookimpl


def _private_logger() -> Any:
    # The audit file needs a logger of its own: handlers added to loguru's global logger
    # (stderr, a user's sink) must never receive audit lines, and ours must never receive
    # log lines. loguru documents no public constructor for an independent logger (its
    # recipe, deepcopy of the global one, fails once a stream handler exists), so the
    # instance is built the way loguru builds its own; the dependency is pinned to <0.8.
    return Logger(  # type: ignore[no-untyped-call]
        core=Core(),  # type: ignore[no-untyped-call]
        exception=None,
        depth=0,
        record=False,
        lazy=False,
        colors=False,
        raw=False,
        capture=True,
        patchers=[],
        extra={},
    )


def chain_tail(active: Path) -> tuple[int, str]:
    """``(next seq, prev hash)`` to continue the chain of the log ending in ``active``.

    The newest file with a line decides (the active file, or the newest rotated one when
    the active file is empty). A last line that does not verify is not trusted as an anchor:
    a new chain starts at entry 0, and ``audit verify`` still reports the tampered line.
    """
    for path in reversed(audit_files(active)):
        text = last_line(path)
        if text is None:
            continue
        try:
            link = parse_sealed(text)
        except BrokenLine:
            logger.warning("the last line of audit file {} does not verify", path)
            return 0, GENESIS
        return link.seq + 1, link.hash
    return 0, GENESIS


class FileAuditSink:
    """An ``audit_event`` plugin writing sealed lines to the audit file."""

    def __init__(self, path: Path, config: AuditConfig) -> None:
        self.path = path
        self.config = config
        self._lock = threading.Lock()
        self._logger: Any = None
        self._handler: int | None = None
        self._writer: LineWriter | None = None
        self._seq = 0
        self._prev = GENESIS

    @property
    def running(self) -> bool:
        return self._handler is not None

    def start(self) -> None:
        """Open the file, continuing the chain from the newest existing line."""
        if self._handler is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._seq, self._prev = chain_tail(self.path)
        self._logger = _private_logger()
        self._handler = self._logger.add(
            str(self.path),
            format="{message}",
            level="INFO",
            rotation=self.config.rotation_bytes,
            retention=self.config.retention,
            compression=self.config.compression,
            # Only the LineWriter thread logs here, so loguru needs no queue of its own.
            enqueue=False,
            # A full disk must not crash the writer; loguru reports the error on stderr.
            catch=True,
            encoding="utf-8",
            colorize=False,
            backtrace=False,
            diagnose=False,
        )
        raw = self._logger.opt(raw=True)
        # Chunks well under the rotation size, so files rotate close to their limit.
        self._writer = LineWriter(
            raw.info,
            chunk_bytes=min(16_384, self.config.rotation_bytes // 8),
            name="ordo-audit-file",
            render=self._seal_all,
        )
        self._writer.start()

    def stop(self) -> None:
        """Write everything queued and close the file."""
        with self._lock:
            handler, self._handler = self._handler, None
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        if handler is not None:
            self._logger.remove(handler)

    @hookimpl
    def audit_event(self, event: AuditEvent) -> None:
        try:
            self.write(event)
        except Exception as exc:  # an audit sink must never break the call that emitted
            logger.error("audit file sink failed: {}", type(exc).__name__)

    def write(self, event: AuditEvent) -> bool:
        """Queue ``event`` for the chain; ``False`` when the sink is not running.

        The writer thread seals queued events in the order they were queued (``_seal_all``),
        so the chain's order is the order of ``write`` calls.
        """
        with self._lock:
            if self._handler is None or self._writer is None:
                return False
            self._writer.put(event)
        return True

    def _seal_all(self, events: list[AuditEvent]) -> list[str]:
        # Only the writer thread calls this, one batch at a time: seq and prev need no lock.
        lines = []
        for event in events:
            try:
                line, line_hash = seal(event_record(event), seq=self._seq, prev=self._prev)
            except Exception as exc:  # one bad event must not stop the writer thread
                logger.error("audit file sink could not seal an event: {}", type(exc).__name__)
                continue
            lines.append(line + "\n")
            self._seq += 1
            self._prev = line_hash
        return lines
