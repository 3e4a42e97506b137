"""Order-pipeline benchmark: what Ordo adds to a paper-broker order, at a steady rate.

Starts ``bench.server`` (uvicorn on 127.0.0.1, SQLite in a fresh data directory), sends
``POST /api/v1/orders`` at ``--rate`` per second for ``--duration`` seconds after a warm-up,
and for every order subtracts the adapter's own ``place_order`` time (measured inside the
server) from the latency the client observed. Prints a summary table and writes the full
report to ``bench/results/``. See bench/README.md for the method.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.loadgen import LoadResult, run_load
from bench.stats import summarise, table

RESULTS = Path(__file__).resolve().parent / "results"
GOALS_MS = {"p50": 2.0, "p99": 10.0, "max": 50.0}
STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the bench server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the bench server did not become healthy in time")


def peak_rss_of(pid: int) -> int | None:
    """``VmHWM`` (peak resident set) of a live process, in bytes, from /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


def cpu_seconds_of(pid: int) -> float | None:
    """User + system CPU time of a live process so far, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime are fields 14 and 15 of the stat line (11 and 12 after the name).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def analyse(load: LoadResult, adapter_seconds: dict[str, float], warmup: int) -> dict[str, Any]:
    """Per-order overhead = client latency - the adapter's place_order time for that order."""
    client_ms: list[float] = []
    adapter_ms: list[float] = []
    overhead_ms: list[float] = []
    failures: list[str] = list(load.errors)
    for sample in load.samples:
        if sample.index < warmup:
            continue
        if sample.status != 200:
            failures.append(f"request {sample.index}: HTTP {sample.status} {sample.body[:200]!r}")
            continue
        tag = json.loads(sample.body)["results"][0]["data"]["tag"]
        direct = adapter_seconds.get(tag)
        if direct is None:
            failures.append(f"request {sample.index}: no adapter timing for tag {tag}")
            continue
        client_ms.append(sample.latency * 1000)
        adapter_ms.append(direct * 1000)
        overhead_ms.append((sample.latency - direct) * 1000)
    if not overhead_ms:
        raise RuntimeError(f"no successful orders measured; first failures: {failures[:3]}")
    return {
        "measured_orders": len(overhead_ms),
        "failures": failures,
        "client_latency_ms": summarise(client_ms),
        "client_latency_samples_ms": client_ms,
        "adapter_place_order_ms": summarise(adapter_ms),
        "overhead_ms": summarise(overhead_ms),
        "max_send_lag_ms": load.max_send_lag * 1000,
        "connections": load.connections,
    }


def run(
    *,
    rate: float,
    duration: float,
    warmup: float,
    database_url: str | None = None,
    profile: Path | None = None,
    server: str = "bench.server",
) -> dict[str, Any]:
    """One benchmark run against ``server`` (a module run as ``python -m``, Ordo's
    ``bench.server`` by default); returns the report (also what is written to disk)."""
    port = free_port()
    token = secrets.token_urlsafe(24)
    warmup_count = int(rate * warmup)
    count = warmup_count + int(rate * duration)
    with tempfile.TemporaryDirectory(prefix="ordo-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        timings = Path(tmp) / "server.json"
        command = [
            sys.executable,
            "-m",
            server,
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            # One argument: a token may start with "-", which argparse takes for an option.
            f"--token={token}",
            "--output",
            str(timings),
        ]
        if database_url:
            command += ["--database-url", database_url]
        if profile is not None:
            command += ["--profile", str(profile.resolve())]
        root = Path(__file__).resolve().parent.parent
        process = subprocess.Popen(command, cwd=root, env=os.environ.copy())
        try:
            wait_healthy(port, process, STARTUP_TIMEOUT)
            cpu_before = cpu_seconds_of(process.pid)
            load = asyncio.run(
                run_load(
                    "127.0.0.1",
                    port,
                    token,
                    rate=rate,
                    count=count,
                    run_id=uuid.uuid4().hex[:12],
                )
            )
            rss_live = peak_rss_of(process.pid)
            cpu_after = cpu_seconds_of(process.pid)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        served = json.loads(timings.read_text(encoding="utf-8"))
    report = analyse(load, served["adapter_seconds_by_tag"], warmup_count)
    cpu_ms = None
    if cpu_before is not None and cpu_after is not None:
        cpu_ms = (cpu_after - cpu_before) * 1000 / count
    report.update(
        {
            "server_cpu_ms_per_order": cpu_ms,
            "rate_per_second": rate,
            "duration_seconds": duration,
            "warmup_seconds": warmup,
            "database": "postgresql" if database_url else "sqlite",
            "server_loop": served["loop"],
            "server_http": served["http"],
            "peak_rss_bytes": max(filter(None, (rss_live, served["peak_rss_bytes"]))),
            "gc_pauses": served["gc_pauses"],
            "cpus": os.cpu_count(),
            "goals_ms": GOALS_MS,
        }
    )
    report["goals_met"] = all(report["overhead_ms"][k] <= v for k, v in GOALS_MS.items())
    return report


def render(report: dict[str, Any]) -> str:
    rows = {
        "client latency": report["client_latency_ms"],
        "paper place_order": report["adapter_place_order_ms"],
        "overhead": report["overhead_ms"],
    }
    goals = ", ".join(f"{k} <= {v:g} ms" for k, v in GOALS_MS.items())
    verdict = "met" if report["goals_met"] else "NOT met"
    return "\n".join(
        [
            f"order pipeline: {report['measured_orders']} orders at {report['rate_per_second']:g}/s"
            f" over {report['duration_seconds']:g} s ({report['database']}, "
            f"loop={report['server_loop']}, http={report['server_http']})",
            table(rows),
            f"peak RSS of the server: {report['peak_rss_bytes'] / 2**20:.1f} MiB; "
            f"server CPU per order: {report['server_cpu_ms_per_order'] or 0:.2f} ms",
            "gc pauses (count, max ms): "
            + ", ".join(
                f"{gen} {p['count']}x {p['max_ms']:.1f}" for gen, p in report["gc_pauses"].items()
            ),
            f"failures: {len(report['failures'])}; worst send lag "
            f"{report['max_send_lag_ms']:.2f} ms; connections {report['connections']}",
            f"goals ({goals}): {verdict}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0, help="orders per second")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument(
        "--database-url", default=None, help="e.g. postgresql+asyncpg://... (default SQLite)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="results directory")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the server into the results directory"
    )
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    report = run(
        rate=args.rate,
        duration=args.duration,
        warmup=args.warmup,
        database_url=args.database_url,
        profile=args.output / "server.prof" if args.profile else None,
    )
    report.pop("client_latency_samples_ms")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.output / f"order_pipeline-{stamp}.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(render(report))
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
