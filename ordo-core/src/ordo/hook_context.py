"""What hooks receive: one stable context object, and one helper that awaits hook results.

``HookContext`` is the plugin's view of a running gateway. Its fields are a public API kept
stable across releases (new fields may be added, none removed); the runtime's internals are
not, so a plugin should reach for them only through this object.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ordo.safety.killswitch import KillSwitchState


@dataclass(frozen=True)
class HookContext:
    """A running gateway as plugins see it."""

    version: str
    data_dir: Path
    accounts: tuple[str, ...]
    """Names of the accounts that are enabled."""
    kill_switch: Callable[[], KillSwitchState]
    """The kill switch's current state."""
    audit: Callable[..., object]
    """``audit(kind, **payload)``: add an event to the audit trail (redacted like all)."""


async def resolved(results: Iterable[Any]) -> list[Any]:
    """Each hook implementation's result, awaited when the implementation was a coroutine
    function (hooks may be either)."""
    done = []
    for result in results:
        done.append(await result if inspect.isawaitable(result) else result)
    return done
