"""Install paths, checked as users meet them (``make package-check``, part of ``make test``).

1. **Distributions**: ``uv build`` every workspace member (wheel and sdist); each carries the
   LICENSE, a version, Project-URLs, classifiers and a README; ``twine check --strict`` passes.
2. **Wheel smoke test**: a fresh virtual environment, ``pip install`` of ordo-core,
   ordo-adapter-mock and ordo-adapter-fyers from the built wheels (third-party dependencies
   from the package index), then ``ordo --version``, ``ordo plugins`` lists both adapters,
   ``ordo serve --demo`` answers ``/health``, a paper order placed with curl fills, and the
   operator console (enabled) serves its sign-in page and stylesheet from the wheel.
3. **Container image without Docker**: the image's install step (``deploy/install.sh``) into a
   temporary prefix, then the Dockerfile's ENTRYPOINT with its ENV and the arguments of the
   header's run line, from that prefix, until the Dockerfile's HEALTHCHECK command passes.

Every step is bounded in time and everything lives in one temporary directory, removed at
the end. Needs network access to the package index only. Standard library only.

    python -m deploy.check [--uv PATH] [--keep]     (from the repository root)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from email.parser import Parser
from pathlib import Path

from deploy.dockerfile_parse import exec_form, header_run_line, image_env, runtime_stage

REPO = Path(__file__).resolve().parents[1]
DISTRIBUTIONS = (
    "ordo-core",
    "ordo-client",
    "ordo-testing",
    "ordo-adapter-mock",
    "ordo-adapter-fyers",
    "ordo-adapter-hdfc",
    "ordo-adapter-mirae",
    "ordo-openalgo",
)
TEST_ONLY = ("pytest", "pytest_asyncio", "hypothesis", "cookiecutter", "ordo_testing")
ORDER = {
    "accounts": ["paper"],
    "exchange": "NSE",
    "symbol": "SBIN",
    "side": "BUY",
    "quantity": 1,
    "order_type": "MARKET",
    "product": "CNC",
}
STEP_TIMEOUT = 300.0
SERVE_TIMEOUT = 60.0


class CheckFailed(Exception):
    """One install path does not work; the message says which and why."""


def log(message: str) -> None:
    print(f"[package-check] {message}", flush=True)


def run(
    args: Sequence[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = STEP_TIMEOUT,
) -> str:
    shown = " ".join(str(a) for a in args)
    try:
        done = subprocess.run(
            [str(a) for a in args],
            env=dict(env) if env is not None else None,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CheckFailed(f"{shown}: no answer within {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise CheckFailed(f"{shown} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without anything tying a child to the workspace or configuring Ordo."""
    dropped = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("ORDO_")}
    return env | extra


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# 1. Distributions --------------------------------------------------------------------------


def build(uv: str, out: Path) -> None:
    log("building every wheel and sdist with uv build")
    run([uv, "build", "--all-packages", "--out-dir", out, "--quiet"], cwd=REPO)
    for dist in DISTRIBUTIONS:
        stem = dist.replace("-", "_")
        if (
            len(list(out.glob(f"{stem}-*.whl"))) != 1
            or len(list(out.glob(f"{stem}-*.tar.gz"))) != 1
        ):
            raise CheckFailed(f"expected one wheel and one sdist of {dist} in {out}")


def wheel_metadata(path: Path) -> tuple[str, list[str]]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        return archive.read(meta).decode(), names


def sdist_metadata(path: Path) -> tuple[str, list[str]]:
    with tarfile.open(path) as archive:
        names = archive.getnames()
        (meta,) = [n for n in names if n.count("/") == 1 and n.endswith("/PKG-INFO")]
        member = archive.extractfile(meta)
        assert member is not None
        return member.read().decode(), names


def check_metadata(path: Path, text: str, names: list[str]) -> None:
    meta = Parser().parsestr(text)
    problems = []
    if not any(n.rsplit("/", 1)[-1] == "LICENSE" for n in names):
        problems.append("no LICENSE file")
    if not meta.get("Version"):
        problems.append("no version")
    if meta.get("License-Expression") != "Apache-2.0":
        problems.append("no License-Expression: Apache-2.0")
    urls = meta.get_all("Project-URL") or []
    if not any(u.startswith("Source, https://") for u in urls):
        problems.append(f"no Source Project-URL ({urls})")
    if not meta.get_all("Classifier"):
        problems.append("no classifiers")
    if meta.get("Description-Content-Type") != "text/markdown":
        problems.append("no markdown README")
    description = meta.get_payload()
    assert isinstance(description, str)
    relative = re.findall(r"\]\((?!https?://|#|mailto:)([^)]+)\)", description)
    if relative:
        problems.append(f"README links that break on a package index: {relative}")
    if problems:
        raise CheckFailed(f"{path.name}: {'; '.join(problems)}")


def check_distributions(out: Path) -> None:
    files = sorted(out.glob("*.whl")) + sorted(out.glob("*.tar.gz"))
    for path in files:
        text, names = wheel_metadata(path) if path.suffix == ".whl" else sdist_metadata(path)
        check_metadata(path, text, names)
    log(f"{len(files)} distributions carry LICENSE, version, URLs, classifiers, README")
    check_console_files(the_wheel(out, "ordo-core"))
    run([sys.executable, "-m", "twine", "check", "--strict", *files])
    log("twine check --strict passed")


CONSOLE_FILES = (
    "ordo/console/templates/base.html",
    "ordo/console/templates/signin.html",
    "ordo/console/static/console.css",
    "ordo/console/static/console.js",
)


def check_console_files(wheel: Path) -> None:
    """The operator console's templates and static files are package data: a wheel without
    them would serve a console that cannot render a page."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [name for name in CONSOLE_FILES if name not in names]
    if missing:
        raise CheckFailed(f"{wheel.name} lacks the console's files: {missing}")
    log("the ordo-core wheel carries the console's templates and static files")


# 2. Wheel smoke test -----------------------------------------------------------------------


def the_wheel(out: Path, dist: str) -> Path:
    (path,) = out.glob(f"{dist.replace('-', '_')}-*.whl")
    return path


def new_venv(where: Path) -> Path:
    run([sys.executable, "-m", "venv", where])
    return where / "bin"


def assert_no_test_tools(python: Path) -> None:
    probe = "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])"
    found = run([python, "-c", probe, *TEST_ONLY], env=clean_env()).strip()
    if found != "[]":
        raise CheckFailed(f"test-only packages installed at run time: {found}")


def expect_one_line_refusal(
    args: Sequence[str | Path], env: Mapping[str, str], needle: str
) -> None:
    shown = " ".join(str(a) for a in args)
    done = subprocess.run(
        [str(a) for a in args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    if done.returncode != 2 or len(lines) != 1 or needle not in lines[0]:
        raise CheckFailed(
            f"{shown} should refuse in one line naming {needle!r} (exit 2), "
            f"got exit {done.returncode}:\n{done.stdout}{done.stderr}"
        )


@contextmanager
def serving(args: Sequence[str | Path], env: Mapping[str, str], log_file: Path) -> Iterator[None]:
    with log_file.open("w") as output:
        process = subprocess.Popen(
            [str(a) for a in args], env=dict(env), stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until(ready: object, what: str, log_file: Path, timeout: float = SERVE_TIMEOUT) -> float:
    assert callable(ready)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if ready():
            return time.monotonic() - started
        time.sleep(0.2)
    raise CheckFailed(f"{what} within {timeout:.0f} s; server output:\n{log_file.read_text()}")


def health_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:  # noqa: S310
            return bool(json.loads(reply.read())["status"] == "success")
    except (OSError, ValueError, KeyError):
        return False


def console_answers(url: str) -> bool:
    """The console's sign-in page and stylesheet are served (rendered from the wheel)."""
    try:
        with urllib.request.urlopen(f"{url}/console/signin", timeout=5) as page:  # noqa: S310
            signin = page.read().decode()
        with urllib.request.urlopen(f"{url}/console/static/console.css", timeout=5) as css:  # noqa: S310
            stylesheet = css.read().decode()
    except OSError:
        return False
    return 'name="token"' in signin and ":root" in stylesheet


def place_order_with_curl(url: str, token: str) -> dict[str, object]:
    curl = shutil.which("curl")
    if curl is None:
        raise CheckFailed("curl is not installed: the smoke test places its order with curl")
    body = run(
        [
            curl,
            "-sS",
            "--max-time",
            "20",
            "-X",
            "POST",
            f"{url}/api/v1/orders",
            "-H",
            f"Authorization: Bearer {token}",
            "-H",
            "Content-Type: application/json",
            "-H",
            "Idempotency-Key: package-check-1",
            "-d",
            json.dumps(ORDER),
        ]
    )
    reply: dict[str, object] = json.loads(body)
    return reply


def smoke_test(out: Path, work: Path) -> None:
    log("fresh venv: pip install ordo-core, ordo-adapter-mock, ordo-adapter-fyers (wheels)")
    bin_dir = new_venv(work / "venv")
    wheels = [
        the_wheel(out, d)
        for d in ("ordo-client", "ordo-core", "ordo-adapter-mock", "ordo-adapter-fyers")
    ]
    run(
        [
            bin_dir / "python",
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            *wheels,
        ],
        env=clean_env(),
    )
    assert_no_test_tools(bin_dir / "python")
    env = clean_env(COLUMNS="200")
    version = run([bin_dir / "ordo", "--version"], env=env).strip()
    if not re.fullmatch(r"ordo \d+\.\d+\.\d+\S*", version):
        raise CheckFailed(f"ordo --version printed {version!r}")
    listed = {
        p["name"]: p for p in json.loads(run([bin_dir / "ordo", "plugins", "--json"], env=env))
    }
    for adapter in ("mock", "fyers"):
        if listed.get(adapter, {}).get("adapters") != [adapter]:
            raise CheckFailed(f"ordo plugins does not list the {adapter} adapter: {listed}")
    log(f"{version}; ordo plugins lists mock and fyers")
    refusals = {
        "ordo-core[postgres]": (
            ["serve", "--demo"],
            {"ORDO_DATABASE_URL": "postgresql+asyncpg://ordo@127.0.0.1:9/ordo"},
        ),
        "ordo-core[redis]": (["serve", "--demo"], {"ORDO_REDIS_URL": "redis://127.0.0.1:9/0"}),
        "pip install ordo-testing": (["adapters", "check", "mock"], {}),
    }
    for needle, (args, extra) in refusals.items():
        expect_one_line_refusal(
            [bin_dir / "ordo", *args],
            env | extra | {"ORDO_DATA_DIR": str(work / "refused")},
            needle,
        )
    log("a missing extra and the missing author's kit are one line each, exit 2")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data = work / "smoke-data"
    server_log = work / "smoke-serve.log"
    serve_env = clean_env(ORDO_DATA_DIR=str(data), ORDO_CONSOLE__ENABLED="true")
    with serving([bin_dir / "ordo", "serve", "--demo", "--port", str(port)], serve_env, server_log):
        took = wait_until(lambda: health_answers(url), "no healthy /health", server_log)
        log(f"ordo serve --demo answered /health after {took:.1f} s")
        token = (data / "api-token").read_text().strip()
        if f"export ORDO_TOKEN={token}" not in server_log.read_text():
            raise CheckFailed("ordo serve did not print the export line for the CLI")
        reply = place_order_with_curl(url, token)
        if not console_answers(url):
            raise CheckFailed("the console's sign-in page or stylesheet was not served")
        log("the console served its sign-in page and stylesheet from the wheel")
    results = reply.get("results")
    filled = (
        isinstance(results, list)
        and len(results) == 1
        and results[0].get("data", {}).get("status") == "FILLED"
    )
    if reply.get("status") != "success" or not filled:
        raise CheckFailed(f"the paper order did not fill: {reply}")
    log("a paper order placed with curl filled")


# 3. The container image, without Docker ----------------------------------------------------


def image_check(out: Path, work: Path) -> None:
    log("image install step (deploy/install.sh) into a temporary prefix")
    prefix = work / "opt-ordo"
    run(["sh", REPO / "deploy" / "install.sh", prefix, out], env=clean_env(PYTHON=sys.executable))
    assert_no_test_tools(prefix / "bin" / "python")
    text = (REPO / "Dockerfile").read_text()
    stage = runtime_stage(text)
    env = clean_env() | image_env(stage, prefix)
    try:
        run_env, run_args = header_run_line(text)
    except ValueError as exc:
        raise CheckFailed(str(exc)) from None
    port = free_port()
    data = work / "image-data"
    env |= run_env | {"ORDO_PORT": str(port), "ORDO_DATA_DIR": str(data)}
    entrypoint = exec_form(stage, "ENTRYPOINT")
    healthcheck = exec_form(stage, "HEALTHCHECK")
    server_log = work / "image-serve.log"

    def healthy() -> bool:
        done = subprocess.run(healthcheck, env=env, capture_output=True, timeout=10, check=False)
        return done.returncode == 0

    if healthy():
        raise CheckFailed("the HEALTHCHECK passes before the server runs")
    with serving([*entrypoint, *run_args], env, server_log):
        took = wait_until(healthy, "the HEALTHCHECK did not pass", server_log)
    if not (data / "api-token").is_file():
        raise CheckFailed("the image's server kept no API token in its data directory")
    log(f"entrypoint {' '.join(entrypoint + run_args)} healthy after {took:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--uv", default=shutil.which("uv") or "uv", help="the uv executable")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ordo-package-check-"))
    started = time.monotonic()
    try:
        out = work / "dist"
        build(args.uv, out)
        check_distributions(out)
        smoke_test(out, work)
        image_check(out, work)
    except CheckFailed as exc:
        print(f"[package-check] FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    log(f"all install paths work ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
