"""``find_chromium``: the browser is used where it is, installed with apt (under a lock,
updating the package lists once when the install fails) where root may, and otherwise the
answer says exactly what is missing. The commands are recorded, never run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ordo_testing.browser import Chromium, CommandResult, NoBrowser, find_chromium


class Apt:
    """A stand-in for apt-get: records each command; an install creates the browser file
    from the ``succeed_on``-th install on."""

    def __init__(self, browser: Path, succeed_on: int = 1) -> None:
        self.browser = browser
        self.succeed_on = succeed_on
        self.commands: list[list[str]] = []
        self.installs = 0

    def __call__(self, argv: Sequence[str], timeout: float) -> CommandResult:
        assert timeout > 0
        self.commands.append(list(argv))
        if "install" in argv:
            self.installs += 1
            if self.installs >= self.succeed_on:
                self.browser.write_text("#!/bin/sh\n")
                return CommandResult(0, "Setting up chromium")
            return CommandResult(100, "E: Unable to locate package chromium")
        return CommandResult(0, "Reading package lists... Done")


def _apt_present(name: str) -> str | None:
    return "/usr/bin/apt-get" if name == "apt-get" else None


def _no_apt(name: str) -> str | None:
    return None


Which = Callable[[str], str | None]


def finder(
    tmp_path: Path, apt: Apt, *, root: bool = True, which: Which = _apt_present
) -> Chromium | NoBrowser:
    return find_chromium(
        path=apt.browser,
        lock_file=tmp_path / "lock",
        run=apt,
        is_root=lambda: root,
        which=which,
    )


def test_an_installed_browser_is_used_as_it_is(tmp_path: Path) -> None:
    apt = Apt(tmp_path / "chromium")
    apt.browser.write_text("#!/bin/sh\n")
    assert finder(tmp_path, apt) == Chromium(apt.browser)
    assert apt.commands == []


def test_root_with_apt_installs_the_debian_package(tmp_path: Path) -> None:
    apt = Apt(tmp_path / "chromium")
    assert finder(tmp_path, apt) == Chromium(apt.browser)
    [install] = apt.commands
    assert install[0] == "apt-get"
    assert install[-4:] == ["install", "-y", "--no-install-recommends", "chromium"]
    assert "DPkg::Lock::Timeout=300" in install


def test_stale_package_lists_are_updated_once_then_the_install_is_retried(
    tmp_path: Path,
) -> None:
    apt = Apt(tmp_path / "chromium", succeed_on=2)
    assert finder(tmp_path, apt) == Chromium(apt.browser)
    verbs = [c[3] for c in apt.commands]
    assert verbs == ["install", "update", "install"]


def test_a_failed_install_is_a_reason_naming_the_package_and_apt_words(tmp_path: Path) -> None:
    apt = Apt(tmp_path / "chromium", succeed_on=99)
    found = finder(tmp_path, apt)
    assert isinstance(found, NoBrowser)
    assert "apt-get install chromium' failed (exit 100)" in found.reason
    assert "Unable to locate package chromium" in found.reason


def test_without_root_nothing_runs_and_the_reason_says_how_to_install(tmp_path: Path) -> None:
    apt = Apt(tmp_path / "chromium")
    found = finder(tmp_path, apt, root=False)
    assert isinstance(found, NoBrowser)
    assert "needs root" in found.reason
    assert "apt-get install -y --no-install-recommends chromium" in found.reason
    assert apt.commands == []


def test_without_apt_the_reason_says_so(tmp_path: Path) -> None:
    apt = Apt(tmp_path / "chromium")
    found = finder(tmp_path, apt, which=_no_apt)
    assert isinstance(found, NoBrowser)
    assert f"{apt.browser} is missing and there is no apt-get" in found.reason
    assert apt.commands == []
