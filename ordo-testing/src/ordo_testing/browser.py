"""A browser for tests that drive web pages: Debian's ``chromium`` at ``/usr/bin/chromium``,
installed on demand.

``find_chromium()`` answers with the browser's path, installing the Debian package first
when it is missing and this process may (root, ``apt-get`` present); otherwise it answers
with the reason no browser can be had, which a test turns into a visible skip. Parallel runs
(several pytest workers, several checkouts on one machine) take a file lock, so one of them
installs and the others wait for it and find the browser.

Standard library only: the driver (Playwright) is the caller's business; this module only
provides the executable the driver launches.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
PACKAGE = "chromium"
LOCK_FILE = Path("/var/lock/ordo-chromium-install.lock")
"""Root-only like the install it guards (only root gets this far)."""
INSTALL_TIMEOUT = 900.0
"""Seconds an install may take (the download is about 100 MB; apt may first wait for another
package manager's lock)."""

Runner = Callable[[Sequence[str], float], "CommandResult"]


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    output: str


@dataclass(frozen=True)
class Chromium:
    """A browser ready to launch."""

    path: Path


@dataclass(frozen=True)
class NoBrowser:
    """Why no browser can be had here (the text of the skip)."""

    reason: str


def run_command(argv: Sequence[str], timeout: float) -> CommandResult:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        # argv is built in this module from constants (apt-get and the package name).
        done = subprocess.run(  # noqa: S603
            list(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return CommandResult(124, f"{argv[0]} did not finish within {timeout:.0f} s")
    return CommandResult(done.returncode, (done.stdout + done.stderr)[-2000:])


def _apt_install(package: str, deadline: float, run: Runner) -> CommandResult:
    """``apt-get install`` waiting for dpkg's lock rather than failing on it; when the
    package lists are empty or stale (a fresh machine), update them once and retry."""
    install = [
        "apt-get",
        "-o",
        "DPkg::Lock::Timeout=300",
        "install",
        "-y",
        "--no-install-recommends",
        package,
    ]
    result = run(install, max(1.0, deadline - time.monotonic()))
    if result.returncode == 0:
        return result
    update = run(
        ["apt-get", "-o", "DPkg::Lock::Timeout=300", "update"],
        max(1.0, deadline - time.monotonic()),
    )
    if update.returncode != 0:
        return update
    return run(install, max(1.0, deadline - time.monotonic()))


def find_chromium(
    *,
    path: Path = CHROMIUM,
    lock_file: Path = LOCK_FILE,
    timeout: float = INSTALL_TIMEOUT,
    run: Runner = run_command,
    is_root: Callable[[], bool] = lambda: os.geteuid() == 0,
    which: Callable[[str], str | None] = shutil.which,
) -> Chromium | NoBrowser:
    """The system Chromium, installed with apt when missing and possible."""
    if path.exists():
        return Chromium(path)
    if which("apt-get") is None:
        return NoBrowser(f"{path} is missing and there is no apt-get to install {PACKAGE!r}")
    if not is_root():
        return NoBrowser(
            f"{path} is missing; installing Debian's {PACKAGE!r} needs root "
            f"(run: apt-get install -y --no-install-recommends {PACKAGE})"
        )
    deadline = time.monotonic() + timeout
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as lock:
        # Whoever holds the lock is installing; once it is released the browser is there
        # (or the install failed, and this run tries once more itself).
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if path.exists():
                return Chromium(path)
            result = _apt_install(PACKAGE, deadline, run)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    if path.exists():
        return Chromium(path)
    return NoBrowser(
        f"{path} is missing and 'apt-get install {PACKAGE}' failed "
        f"(exit {result.returncode}): {result.output.strip()[-300:]}"
    )


CHROMIUM_ARGS = (
    # Containers often give /dev/shm a few MB only; Chromium's renderer then crashes.
    "--disable-dev-shm-usage",
    # No first-run UI, no background network of the browser's own (updates, safe browsing).
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
)
"""Arguments for a headless system Chromium in tests (running as root needs ``--no-sandbox``
as well: Playwright passes it by its ``chromium_sandbox=False`` default)."""
