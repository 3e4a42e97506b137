"""Optional imports that third-party packages make eagerly and ``ordo serve`` never uses.

Two libraries import optional companions as soon as they are imported, whether or not
anything uses them:

* httpx imports its own console script (``httpx._main``: click, rich, pygments) whenever
  those are installed, and typer and uvicorn install them: about 6 MiB of resident memory
  and a tenth of a second at start, for a command the server never runs;
* pybreaker imports the synchronous Redis client for its ``CircuitRedisStorage`` whenever
  ``redis`` is installed (the ``ordo-core[redis]`` extra): about 13 MiB. Ordo keeps breaker
  state in memory and talks to Redis through its own async client (``ordo.replicas``), so
  that storage is never used.

``leave_out_unused_imports`` runs first thing in the serving process, before the gateway
is imported. A ``None`` entry in ``sys.modules`` makes an import fail with ``ImportError``,
which both libraries handle by going without the optional part. httpx's entry stays (its
CLI is never wanted in the server); Redis's is removed again right after pybreaker is
imported, so ``ordo.replicas`` imports the real ``redis`` when Redis is configured. A module
already imported is left as it is.
"""

from __future__ import annotations

import importlib
import sys

HTTPX_CLI = "httpx._main"


def leave_out_unused_imports() -> None:
    """Import httpx and pybreaker without their unused optional modules (see the module
    docstring); does nothing for a library this process has already imported."""
    if "httpx" not in sys.modules:
        sys.modules.setdefault(HTTPX_CLI, None)  # type: ignore[arg-type]
    if "pybreaker" not in sys.modules and "redis" not in sys.modules:
        sys.modules["redis"] = None  # type: ignore[assignment]
        try:
            importlib.import_module("pybreaker")
        finally:
            del sys.modules["redis"]
