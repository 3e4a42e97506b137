"""``ConfigError`` and the formatting of validation errors into one readable message."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError


class ConfigError(Exception):
    """The configuration cannot be used. The message names every offending field path and
    where the value came from; it never contains a configured value, so it is safe to log."""


def format_loc(loc: Sequence[int | str]) -> str:
    """``("accounts", "fyers-main", "adapter")`` -> ``accounts.fyers-main.adapter``;
    list indexes print as ``[0]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(root)"


def _message(error: Any) -> str:
    # pydantic says "Field required"; the conventional lower-case wording reads better
    # after a field path. Only ``msg`` is used: ``input`` may be a secret.
    msg = str(error["msg"])
    if error["type"] == "missing":
        return "field required"
    if error["type"] == "extra_forbidden":
        return "unknown field (not allowed here)"
    return msg.removeprefix("Value error, ")


def describe_errors(
    errors: Iterable[Any], *, prefix: Sequence[int | str] = (), origin: Any = None
) -> list[str]:
    """One line per pydantic error: ``path: message`` plus an optional origin note.

    ``origin`` maps a location tuple to a note such as ``(from environment ORDO_PORT)``.
    """
    lines = []
    for error in errors:
        loc = (*prefix, *error["loc"])
        note = origin(tuple(error["loc"])) if origin else ""
        line = f"{format_loc(loc)}: {_message(error)}"
        lines.append(f"{line} {note}".rstrip())
    return lines


def config_error_from_validation(
    exc: ValidationError,
    *,
    source: Path | None = None,
    prefix: Sequence[int | str] = (),
    origin: Any = None,
) -> ConfigError:
    """Turn a pydantic ``ValidationError`` into a single ``ConfigError``."""
    lines = describe_errors(exc.errors(), prefix=prefix, origin=origin)
    return ConfigError(join_problems(lines, source))


def join_problems(lines: Sequence[str], source: Path | None) -> str:
    where = f" (config file {source})" if source else ""
    if len(lines) == 1:
        return f"{lines[0]}{where}"
    return f"invalid configuration{where}: " + "; ".join(lines)


def without_heading(exc: Exception) -> str:
    """The problems of a ``ConfigError`` without its own "invalid configuration: " heading,
    for a caller that prints one already (so the heading is not said twice)."""
    return str(exc).removeprefix("invalid configuration: ")
