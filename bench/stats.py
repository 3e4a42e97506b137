"""Percentiles and the summary table of a benchmark run."""

from __future__ import annotations

import math
from collections.abc import Sequence

PERCENTILES = (50.0, 95.0, 99.0)


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct``-th percentile by the nearest-rank method (a value that occurred)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[rank - 1]


def summarise(values_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99, max and mean of millisecond values."""
    summary = {f"p{int(p)}": percentile(values_ms, p) for p in PERCENTILES}
    summary["max"] = max(values_ms)
    summary["mean"] = sum(values_ms) / len(values_ms)
    return summary


def table(rows: dict[str, dict[str, float]]) -> str:
    """A fixed-width table: one row per series, columns p50 p95 p99 max mean (ms)."""
    columns = ("p50", "p95", "p99", "max", "mean")
    width = max(len(name) for name in rows)
    lines = [f"{'ms':<{width}}  " + "  ".join(f"{c:>8}" for c in columns)]
    for name, summary in rows.items():
        cells = "  ".join(f"{summary[c]:>8.3f}" for c in columns)
        lines.append(f"{name:<{width}}  {cells}")
    return "\n".join(lines)
