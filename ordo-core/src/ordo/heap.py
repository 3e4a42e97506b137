"""Keeping the garbage collector's full passes short on a long-running gateway.

A full (generation 2) collection walks every tracked object; after start-up that is every
module, model class, route and instrument, and one pass takes tens of milliseconds during
which no request progresses. Freezing the heap once start-up is done moves those objects
out of the collector's reach (``gc.freeze``), so later passes walk only what was created
since.
"""

from __future__ import annotations

import gc

from ordo.hookspecs import hookimpl


def freeze_startup_heap() -> bool:
    """Collect, then freeze every object alive now; once per process (``False`` when the
    heap was already frozen, e.g. by an earlier gateway in the same test process)."""
    if gc.get_freeze_count():
        return False
    gc.collect()
    gc.freeze()
    return True


class FreezeHeapAtStartup:
    """A plugin for a serving process: once the gateway has started (every start-up object
    built), freeze the heap so full GC passes skip it. ``ordo serve`` registers it; tests
    that run many gateways in one process do not."""

    @hookimpl
    def startup(self, app: object) -> None:
        freeze_startup_heap()
