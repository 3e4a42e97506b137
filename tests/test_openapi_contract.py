"""The OpenAPI document is a contract the server keeps: schemathesis generates valid and
invalid requests for every operation (fixed seed, bounded example count) against a real
server on loopback and runs every check on every response. Zero 5xx, zero responses that
contradict the document, zero valid requests refused and zero invalid ones accepted."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from ordo.api.app import create_app
from ordo.config import AccountConfig, load_settings

TOKEN = "contract-token-5f1e2d3c4b"
CONTRACT_DIR = Path(__file__).parent / "contract"
SEED = 42
EXAMPLES_PER_OPERATION = 25
RUN_TIMEOUT_SECONDS = 240


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    settings = load_settings(
        None,
        data_dir=tmp_path / "data",
        api_token=TOKEN,
        log_level="WARNING",
        # GET /api/v1/events streams until this bound: a short one keeps every generated
        # case of the SSE operation a finished response schemathesis can check.
        events_stream_seconds=0.05,
        accounts={"paper": AccountConfig(adapter="mock", settings={"seed": 3})},
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), lifespan="on", access_log=False, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def schemathesis_command() -> list[str]:
    found = shutil.which("st", path=str(Path(sys.executable).parent))
    assert found, "schemathesis is a dev dependency: run `uv sync --all-packages`"
    return [found]


def test_every_operation_keeps_the_documented_contract(server_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "ordo_contract_hooks",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(CONTRACT_DIR), os.environ.get("PYTHONPATH")])
        ),
        "NO_COLOR": "1",
    }
    command = [
        *schemathesis_command(),
        "--config-file",
        str(CONTRACT_DIR / "schemathesis.toml"),
        "run",
        f"{server_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {TOKEN}",
        "--checks",
        "all",
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        str(SEED),
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
    ]
    done = subprocess.run(
        command,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-8000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", report)
    tested = re.search(r"Tested: (\d+)", report)
    assert selected, report[-3000:]
    assert tested, report[-3000:]
    # Every documented operation was exercised, none filtered away.
    assert int(selected[1]) == int(selected[2]) == int(tested[1]) >= 25, report[-3000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", report)
    assert generated, report[-3000:]
    assert int(generated[1]) == int(generated[2]) > 500, report[-3000:]
