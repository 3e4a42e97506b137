"""The benchmark harness runs end to end for a second and produces a complete report.

Nothing here is timed: the figures are the harness's output, not something to assert.
Run with ``uv run pytest bench/tests`` from the repository root.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import startup
from bench.compare import ratios
from bench.order_pipeline import main, render, run
from bench.stats import percentile, summarise

SERIES = ("client_latency_ms", "adapter_place_order_ms", "overhead_ms")


def test_percentiles_use_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([3.0, 1.0, 2.0], 100) == 3.0
    assert summarise([1.0, 3.0]) == {"p50": 1.0, "p95": 3.0, "p99": 3.0, "max": 3.0, "mean": 2.0}


def test_a_one_second_run_reports_every_figure() -> None:
    report = run(rate=20, duration=1.0, warmup=0.5)
    assert report["failures"] == []
    assert report["measured_orders"] == 20
    for series in SERIES:
        assert set(report[series]) == {"p50", "p95", "p99", "max", "mean"}
    assert report["peak_rss_bytes"] > 0
    assert report["database"] == "sqlite"
    text = render(report)
    assert "overhead" in text
    assert "peak RSS" in text


def test_main_writes_the_report_file(tmp_path: Path) -> None:
    assert (
        main(["--rate", "10", "--duration", "1", "--warmup", "0", "--output", str(tmp_path)]) == 0
    )
    (path,) = tmp_path.glob("order_pipeline-*.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["measured_orders"] == 10


def test_the_startup_benchmark_reports_every_figure() -> None:
    report = startup.run(startup.default_ordo(), runs=1, help_runs=1, orders=20)
    assert report["filled_orders"] == 20
    for key in ("help_seconds", "cold_start_seconds", "idle_rss_mib", "rss_after_orders_mib"):
        value = report[key]
        assert isinstance(value, float)
        assert value > 0
    text = startup.render(report)
    assert "ordo --help" in text
    assert "idle RSS" in text


def test_the_reference_gateway_runs_under_the_same_harness() -> None:
    report = run(rate=20, duration=1.0, warmup=0.5, server="bench.reference")
    assert report["failures"] == []
    assert report["measured_orders"] == 20
    assert set(report["client_latency_ms"]) == {"p50", "p95", "p99", "max", "mean"}


def test_ratios_divide_ordo_by_the_reference_per_percentile() -> None:
    ordo = [float(v) for v in range(1, 101)]
    reference = [v / 2 for v in ordo]
    assert ratios(ordo, reference) == {"p50": 2.0, "p99": 2.0}
