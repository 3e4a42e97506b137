"""Log output (NFR21): loguru, level from ``ORDO_LOG_LEVEL``, JSON lines with
``ORDO_LOG_JSON=true``, the request id on every line, and secrets masked as in the audit.

Nothing is configured at import time: the runtime installs one handler on start and removes
it on stop, and ``ordo serve`` routes the standard library's logging (uvicorn's) through
loguru.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from loguru import logger

from ordo.audit.redaction import redact, redact_text
from ordo.context import current_request_id

SecretSource = Callable[[], Iterable[str]]
_LINE = "_ordo_line"


class LogFormatter:
    """A loguru ``format`` callable that renders the whole line itself, redacted.

    The rendered line goes into ``record["extra"]`` and the template only inserts it, so
    braces in a message are never interpreted and nothing unredacted reaches the sink.
    """

    def __init__(self, *, as_json: bool, secrets: SecretSource | None = None) -> None:
        self.as_json = as_json
        self._secrets = secrets or (lambda: ())

    def __call__(self, record: Any) -> str:
        record["extra"][_LINE] = self.render(record)
        return "{extra[" + _LINE + "]}\n"

    def render(self, record: Any) -> str:
        """The redacted text of one record (without the newline)."""
        secrets = tuple(self._secrets())
        extra = {k: v for k, v in record["extra"].items() if not k.startswith("_ordo")}
        request_id = extra.pop("request_id", None) or current_request_id()
        message = redact_text(str(record["message"]), secrets)
        error = _exception_text(record["exception"], secrets)
        if self.as_json:
            data: dict[str, Any] = {
                "time": record["time"].isoformat(timespec="milliseconds"),
                "level": record["level"].name,
                "request_id": request_id,
                "logger": record["name"],
                "function": record["function"],
                "line": record["line"],
                "message": message,
            }
            if extra:
                data["extra"] = redact(extra, secrets)
            if error:
                data["exception"] = error
            return json.dumps(data, default=str, ensure_ascii=False)
        stamp = record["time"].strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        where = f"{record['name']}:{record['function']}:{record['line']}"
        text = f"{stamp} | {record['level'].name:<8} | {request_id or '-'} | {where} - {message}"
        return f"{text}\n{error.rstrip()}" if error else text


def _exception_text(exception: Any, secrets: tuple[str, ...]) -> str:
    if not exception or exception.type is None:
        return ""
    lines = traceback.format_exception(exception.type, exception.value, exception.traceback)
    return redact_text("".join(lines), secrets)


def install_logging(
    level: str,
    *,
    as_json: bool = False,
    secrets: SecretSource | None = None,
    sink: TextIO | Callable[[str], None] | None = None,
    when: Callable[[], bool] | None = None,
) -> int:
    """Add Ordo's log handler to loguru's logger; returns its id for ``logger.remove``.

    ``when``, if given, is asked for every record: the handler writes only while it is true.

    ``diagnose`` stays off: loguru's diagnose mode prints local variable values in
    tracebacks, which is exactly where a token or a password would leak.
    """
    formatter = LogFormatter(as_json=as_json, secrets=secrets)
    return logger.add(
        sink if sink is not None else sys.stderr,
        level=level.upper(),
        format=formatter,
        filter=(lambda _record: when()) if when is not None else None,
        colorize=False,
        backtrace=False,
        diagnose=False,
        catch=True,
    )


class _Intercept(logging.Handler):
    """Hands standard-library log records (uvicorn, httpx) to loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).log(level, record.getMessage())


THIRD_PARTY_LOGGERS = (
    "httpx",
    "httpcore",
    "h11",
    "h2",
    "hpack",
    "uvicorn.access",
    "asyncio",
    "multipart",
    "python_multipart",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "redis",
    "websockets",
    "python_socks",
)
"""Libraries whose INFO lines are noise at best and a leak at worst (httpx's request line
carries the full URL, query string and all; websockets' handshake lines carry the push
channel's URL and headers, where a broker may put its token): they speak only from
WARNING on unless Ordo itself logs at DEBUG, and even then every line goes through
redaction."""


def third_party_level(level: str) -> int:
    """The level the libraries of ``THIRD_PARTY_LOGGERS`` log at when Ordo logs at ``level``."""
    return logging.DEBUG if level.upper() in {"DEBUG", "TRACE"} else logging.WARNING


def route_stdlib_logging(level: str) -> None:
    """Send the standard library's logging through loguru, replacing its handlers (the
    process owner, ``ordo serve``, calls this once)."""
    logging.basicConfig(handlers=[_Intercept()], level=level.upper(), force=True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        std = logging.getLogger(name)
        std.handlers = []
        std.propagate = True
    for name in THIRD_PARTY_LOGGERS:
        logging.getLogger(name).setLevel(third_party_level(level))
