"""Ordo against the reference gateway, in the same run: the latency ratio of the two.

Runs ``bench.server`` (Ordo) and ``bench.reference`` (the least a gateway must do, see
that module) one after the other, ``--rounds`` times each, alternating, so that drift of a
shared machine hits both alike. Every run sends the same orders at the same steady rate
(open loop, ``bench.loadgen``). The client-observed latencies of all of Ordo's runs and all
of the reference's are pooled, and the report gives Ordo's p50 and p99 over the
reference's: the cost of everything Ordo adds, as a factor.

    uv run python -m bench.compare [--rate 100] [--duration 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.order_pipeline import RESULTS, run
from bench.stats import percentile, summarise, table

GOALS = {"p50": 1.5, "p99": 2.0}
SERVERS = {"ordo": "bench.server", "reference": "bench.reference"}


def ratios(ordo_ms: list[float], reference_ms: list[float]) -> dict[str, float]:
    """Ordo's latency percentiles over the reference's (nearest rank, p50 and p99)."""
    return {f"p{pct}": percentile(ordo_ms, pct) / percentile(reference_ms, pct) for pct in (50, 99)}


def compare(*, rate: float, duration: float, warmup: float, rounds: int) -> dict[str, Any]:
    """Alternating runs; returns the pooled summaries, per-run figures and the ratios."""
    pooled: dict[str, list[float]] = {name: [] for name in SERVERS}
    runs: list[dict[str, Any]] = []
    for round_ in range(rounds):
        # Alternate who goes first, so neither always runs on a warmer machine.
        order = list(SERVERS) if round_ % 2 == 0 else list(reversed(SERVERS))
        for name in order:
            report = run(rate=rate, duration=duration, warmup=warmup, server=SERVERS[name])
            if report["failures"]:
                raise RuntimeError(f"{name} run failed: {report['failures'][:3]}")
            pooled[name].extend(report.pop("client_latency_samples_ms"))
            runs.append({"server": name, "round": round_, **report})
    return {
        "rate_per_second": rate,
        "duration_seconds": duration,
        "rounds": rounds,
        "client_latency_ms": {name: summarise(values) for name, values in pooled.items()},
        "ratio": ratios(pooled["ordo"], pooled["reference"]),
        "goals": GOALS,
        "runs": runs,
    }


def render(report: dict[str, Any]) -> str:
    ratio = report["ratio"]
    met = all(ratio[k] <= v for k, v in GOALS.items())
    return "\n".join(
        [
            f"Ordo vs the reference gateway: {report['rounds']} alternating runs each, "
            f"{report['rate_per_second']:g} orders/s for {report['duration_seconds']:g} s",
            table(report["client_latency_ms"]),
            f"ratio Ordo/reference: p50 {ratio['p50']:.2f}x, p99 {ratio['p99']:.2f}x "
            f"(goals p50 <= {GOALS['p50']}x, p99 <= {GOALS['p99']}x: "
            f"{'met' if met else 'NOT met'})",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0, help="orders per second")
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds per run")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each server")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results directory")
    args = parser.parse_args(argv)
    report = compare(rate=args.rate, duration=args.duration, warmup=args.warmup, rounds=args.rounds)
    args.output.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.output / f"compare-{stamp}.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(render(report))
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
