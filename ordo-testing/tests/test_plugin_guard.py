"""The pytest plugin changes nothing for a project that does not opt in: the live-broker guard
is on only with the ``ordo_live_guard`` ini option or marker (and never with ``--ordo-live``).

Each case runs pytest in a subprocess, as an unrelated project's own run would, because this
workspace's run has the guard on and would otherwise leak into an in-process run.
"""

from __future__ import annotations

import re
import textwrap

import pytest

pytest_plugins = ["pytester"]

# TEST-NET-1 (RFC 5737): never routed, so a real connection attempt fails with OSError.
CONNECTS = textwrap.dedent(
    """
    import socket

    import pytest

    def connect():
        socket.create_connection(("192.0.2.1", 9), timeout=0.2)

    def test_plugin_is_loaded(request):
        assert request.config.pluginmanager.hasplugin("ordo")

    {marker}
    def test_connects_out():
        with pytest.raises(Exception) as caught:
            connect()
        print("RAISED", type(caught.value).__name__, isinstance(caught.value, OSError))
    """
)


def run(pytester: pytest.Pytester, ini: str, *args: str, marker: str = "") -> pytest.RunResult:
    pytester.makeini(f"[pytest]\nasyncio_default_fixture_loop_scope = function\n{ini}\n")
    pytester.makepyfile(test_unrelated=CONNECTS.format(marker=marker))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", *args)


def raised(result: pytest.RunResult) -> tuple[str, bool]:
    """The exception class the inner test's connection attempt raised, and whether it is an
    ``OSError``."""
    found = re.findall(r"RAISED (\w+) (True|False)", result.stdout.str())
    assert len(found) == 1, result.stdout.str()
    name, is_os_error = found[0]
    return name, is_os_error == "True"


def test_an_unrelated_project_gets_the_ordinary_oserror(pytester: pytest.Pytester) -> None:
    result = run(pytester, "")
    result.assert_outcomes(passed=2)
    name, is_os_error = raised(result)
    assert name != "LiveBrokerBlockedError"
    assert is_os_error


def test_the_ini_option_turns_the_guard_on(pytester: pytest.Pytester) -> None:
    result = run(pytester, "ordo_live_guard = true")
    result.assert_outcomes(passed=2)
    assert raised(result) == ("LiveBrokerBlockedError", False)


def test_the_marker_turns_the_guard_on_for_one_test(pytester: pytest.Pytester) -> None:
    result = run(pytester, "", marker="@pytest.mark.ordo_live_guard")
    result.assert_outcomes(passed=2)
    assert raised(result) == ("LiveBrokerBlockedError", False)


def test_ordo_live_lifts_the_guard(pytester: pytest.Pytester) -> None:
    result = run(pytester, "ordo_live_guard = true", "--ordo-live")
    result.assert_outcomes(passed=2)
    name, is_os_error = raised(result)
    assert name != "LiveBrokerBlockedError"
    assert is_os_error


def test_this_workspace_opts_in() -> None:
    """Adapter packages' own suites run in this workspace, so they get the guard."""
    import socket

    from ordo_testing.plugin import LiveBrokerBlockedError

    with pytest.raises(LiveBrokerBlockedError, match=r"192\.0\.2\.1"):
        socket.create_connection(("192.0.2.1", 9), timeout=0.2)
