"""``ordo serve`` imports httpx and pybreaker without the optional modules they would load
eagerly (httpx's console script with rich and pygments, pybreaker's synchronous Redis
storage), and both libraries, and Redis for Ordo's own use, still work afterwards.

Each check runs in a fresh interpreter: the test process has long imported all of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPORT = """
import json, sys
optional = ("httpx._main", "rich", "pygments", "redis")
loaded = sorted(m for m in optional if sys.modules.get(m) is not None)
sys.stderr.write("\\n" + json.dumps({"loaded": loaded, **facts}))
"""


def run(code: str, *args: str) -> dict[str, object]:
    """Run ``code`` (which fills the dict ``facts``) in a fresh interpreter; its facts plus
    which optional modules were imported by the end."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code) + REPORT, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stderr, done.stdout
    report: dict[str, object] = json.loads(done.stderr.splitlines()[-1])
    return report


@pytest.fixture(autouse=True)
def optional_modules_installed() -> None:
    """The development environment has every optional module installed (rich and pygments
    through typer, redis through ordo-core[redis]), so without the lean start all of them
    would be imported: ``test_without_the_lean_start_all_of_them_load`` shows it."""
    pytest.importorskip("rich")
    pytest.importorskip("pygments")
    pytest.importorskip("redis")


def test_without_the_lean_start_all_of_them_load() -> None:
    report = run("import httpx, pybreaker\nfacts = {}\n")
    assert report["loaded"] == ["httpx._main", "pygments", "redis", "rich"]


def test_httpx_and_pybreaker_load_without_their_optional_modules() -> None:
    report = run(
        """
        from ordo.cli.lean_start import leave_out_unused_imports
        leave_out_unused_imports()
        import httpx, pybreaker
        transport = httpx.MockTransport(lambda request: httpx.Response(204))
        with httpx.Client(transport=transport) as client:
            status = client.get("http://ordo.test/health").status_code
        breaker = pybreaker.CircuitBreaker(fail_max=1)
        breaker.open()
        facts = {"status": status, "breaker": breaker.current_state}
        """
    )
    assert report == {"loaded": [], "status": 204, "breaker": pybreaker_open()}


def test_redis_still_imports_for_ordos_own_client() -> None:
    report = run(
        """
        from ordo.cli.lean_start import leave_out_unused_imports
        leave_out_unused_imports()
        import pybreaker
        import redis.asyncio
        facts = {"redis_client": redis.asyncio.Redis.__name__}
        """
    )
    assert report == {"loaded": ["redis"], "redis_client": "Redis"}


def test_a_library_already_imported_is_left_as_it_is() -> None:
    report = run(
        """
        import httpx, pybreaker
        from ordo.cli.lean_start import leave_out_unused_imports
        leave_out_unused_imports()
        facts = {"cli": callable(httpx.main)}
        """
    )
    assert report == {"loaded": ["httpx._main", "pygments", "redis", "rich"], "cli": True}


def test_serve_leaves_them_out_before_importing_the_gateway(tmp_path: Path) -> None:
    config = tmp_path / "ordo.yaml"
    config.write_text("accounts:\n  desk:\n    adapter: zerodha\n", encoding="utf-8")
    report = run(
        """
        import sys
        from ordo.cli import build_cli
        try:
            build_cli()(sys.argv[1:])
        except SystemExit as exit:
            facts = {"code": exit.code, "gateway": "ordo.api.app" in sys.modules}
        """,
        "serve",
        "--config",
        str(config),
        "--data-dir",
        str(tmp_path / "data"),
    )
    # The unknown adapter stops the server after the gateway (and with it httpx and
    # pybreaker) was imported, before anything listens.
    assert report == {"loaded": [], "code": 2, "gateway": True}


def pybreaker_open() -> str:
    import pybreaker

    return str(pybreaker.STATE_OPEN)
