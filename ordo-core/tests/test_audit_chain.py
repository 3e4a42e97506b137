"""The audit file: hash chain, rotation and retention, restarts, and ``ordo audit verify``
catching an edited, a deleted and swapped lines, across rotated (gzip) files."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from ordo.audit.chain import GENESIS, BrokenLine, parse_sealed, seal, verify_files
from ordo.audit.events import AuditEvent
from ordo.audit.file_sink import FileAuditSink, chain_tail
from ordo.audit.files import audit_files, last_line, read_text
from ordo.cli import build_cli
from ordo.config.models import AuditConfig
from typer.testing import CliRunner

T0 = datetime(2025, 1, 30, 3, 45, 0, 123456, tzinfo=UTC)


def event(i: int, **payload: object) -> AuditEvent:
    return AuditEvent(
        kind="api.request",
        timestamp=T0 + timedelta(seconds=i),
        request_id=f"req-{i}",
        actor="desk",
        account="paper",
        payload={"i": i, "pad": "x" * 40, **payload},
    )


def write_events(path: Path, count: int, config: AuditConfig, start: int = 0) -> None:
    sink = FileAuditSink(path, config)
    sink.start()
    try:
        for i in range(start, start + count):
            sink.audit_event(event(i))
    finally:
        sink.stop()


PLAIN = AuditConfig(rotation_bytes=10_000_000, retention=5, compression=None)


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def rewrite(path: Path, lines: list[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


# -- sealing ------------------------------------------------------------------------------
def test_seal_links_lines_and_keeps_values() -> None:
    first, h1 = seal({"kind": "a", "price": Decimal("101.50"), "at": T0}, seq=0, prev=GENESIS)
    second, h2 = seal({"kind": "b"}, seq=1, prev=h1)
    data = json.loads(first)
    assert data["price"] == "101.50"
    assert data["at"] == T0.isoformat()
    assert data["hash"] == h1
    assert data["prev"] == GENESIS
    assert parse_sealed(second).prev == h1
    assert parse_sealed(second).hash == h2 != h1


def test_parse_sealed_rejects_any_change() -> None:
    line, _ = seal({"kind": "order.outcome", "qty": 5}, seq=0, prev=GENESIS)
    with pytest.raises(BrokenLine, match="altered"):
        parse_sealed(line.replace('"qty":5', '"qty":6'))
    with pytest.raises(BrokenLine, match="no trailing hash"):
        parse_sealed(line[:-3])


def test_event_lines_carry_utc_millisecond_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    ist = datetime(2025, 1, 30, 9, 15, 0, 987654).astimezone()
    sink = FileAuditSink(path, PLAIN)
    sink.start()
    sink.audit_event(AuditEvent(kind="x", timestamp=ist, request_id="r", actor="desk"))
    sink.stop()
    data = json.loads(lines_of(path)[0])
    assert data["ts"].endswith(".987Z")
    assert data["ts"] == ist.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
    assert (data["request_id"], data["actor"], data["kind"]) == ("r", "desk", "x")


# -- verify -----------------------------------------------------------------------------------
def test_intact_file_verifies(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_events(path, 6, PLAIN)
    report = verify_files([path])
    assert report.ok
    assert report.lines == 6
    assert report.starts_at_genesis


def test_verify_catches_an_edited_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_events(path, 6, PLAIN)
    lines = lines_of(path)
    lines[3] = lines[3].replace('"actor":"desk"', '"actor":"mallory"')
    rewrite(path, lines)
    report = verify_files([path])
    assert report.failure is not None
    assert (report.failure.file, report.failure.line) == (path, 4)
    assert "altered" in report.failure.reason
    assert report.lines == 3


def test_verify_catches_an_edited_line_with_a_recomputed_hash(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_events(path, 5, PLAIN)
    lines = lines_of(path)
    forged = json.loads(lines[2])
    seq, prev = forged.pop("seq"), forged.pop("prev")
    forged.pop("hash")
    forged["actor"] = "mallory"
    lines[2], _ = seal(forged, seq=seq, prev=prev)
    rewrite(path, lines)
    report = verify_files([path])
    # The forged line verifies on its own; the next one no longer follows it.
    assert report.failure is not None
    assert report.failure.line == 4


def test_verify_catches_a_deleted_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_events(path, 6, PLAIN)
    lines = lines_of(path)
    del lines[2]
    rewrite(path, lines)
    report = verify_files([path])
    assert report.failure is not None
    assert report.failure.line == 3
    assert "removed" in report.failure.reason


def test_verify_catches_swapped_lines(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_events(path, 6, PLAIN)
    lines = lines_of(path)
    lines[1], lines[2] = lines[2], lines[1]
    rewrite(path, lines)
    report = verify_files([path])
    assert report.failure is not None
    assert report.failure.line == 2


def test_verify_catches_a_first_line_removed_from_a_fresh_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_events(path, 3, PLAIN)
    lines = lines_of(path)
    rewrite(path, lines[1:])
    report = verify_files([path])
    # Without the first file the chain may legitimately start mid-way (retention), but
    # it can no longer claim to start at the beginning.
    assert report.ok
    assert not report.starts_at_genesis
    assert report.first_seq == 1


# -- rotation, retention, restarts -------------------------------------------------------------
def test_rotation_rotates_compresses_and_keeps_the_configured_count(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "audit.jsonl"
    config = AuditConfig(rotation_bytes=1200, retention=3, compression="gz")
    write_events(path, 60, config)
    files = audit_files(path)
    rotated = files[:-1]
    assert files[-1] == path
    assert len(rotated) == 3
    assert all(p.name.endswith(".jsonl.gz") for p in rotated)
    for p in rotated:
        with gzip.open(p, "rt") as fh:
            assert fh.read().count("\n") >= 2
    report = verify_files(files)
    assert report.ok, report.failure
    # Older files were dropped by retention, so the chain starts mid-way and ends at 59.
    assert not report.starts_at_genesis
    assert json.loads(lines_of(path)[-1])["seq"] == 59
    assert report.first_seq is not None
    assert report.first_seq > 0


def test_chain_continues_across_rotation_and_restart(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    config = AuditConfig(rotation_bytes=1500, retention=50, compression="gz")
    write_events(path, 20, config)
    write_events(path, 20, config, start=20)  # a restart
    files = audit_files(path)
    assert len(files) > 3
    report = verify_files(files)
    assert report.ok, report.failure
    assert report.starts_at_genesis
    assert report.lines == 40


def test_restart_after_the_active_file_was_rotated_away(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    config = AuditConfig(rotation_bytes=1500, retention=50, compression="gz")
    write_events(path, 10, config)
    newest_rotated = audit_files(path)[-2]
    last = lines_of(path)[-1]
    # Simulate a crash right after a rotation: the active file is empty.
    path.write_text("", encoding="utf-8")
    rewrite_gz = [*read_text(newest_rotated).splitlines(), last]
    with gzip.open(newest_rotated, "wt", encoding="utf-8") as fh:
        fh.write("".join(f"{line}\n" for line in rewrite_gz))
    seq, prev = chain_tail(path)
    assert seq == 10
    assert prev == json.loads(last)["hash"]


def test_verify_reports_the_file_of_a_broken_rotated_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    config = AuditConfig(rotation_bytes=1500, retention=50, compression="gz")
    write_events(path, 30, config)
    files = audit_files(path)
    victim = files[1]
    lines = read_text(victim).splitlines()
    del lines[0]
    with gzip.open(victim, "wt", encoding="utf-8") as fh:
        fh.write("".join(f"{line}\n" for line in lines))
    report = verify_files(files)
    assert report.failure is not None
    assert report.failure.file == victim
    assert report.failure.line == 1


def test_last_line_reads_only_the_tail(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text("".join(f"line {i}\n" for i in range(50_000)), encoding="utf-8")
    assert last_line(path, tail_bytes=64) == "line 49999"
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    assert last_line(empty) is None


# -- the CLI ------------------------------------------------------------------------------------
def test_cli_audit_verify_ok_and_failures(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_events(path, 5, PLAIN)
    runner = CliRunner()
    ok = runner.invoke(build_cli(), ["audit", "verify", str(path)])
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.output
    assert "5 line(s)" in ok.output

    lines = lines_of(path)
    lines[1] = lines[1].replace("req-1", "req-9")
    rewrite(path, lines)
    bad = runner.invoke(build_cli(), ["audit", "verify", str(path)])
    assert bad.exit_code == 1
    assert "FAILED" in bad.output
    assert ":2:" in bad.output.replace("\n", "")


def test_cli_audit_verify_defaults_to_the_configured_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_ordo_env: None
) -> None:
    monkeypatch.setenv("ORDO_DATA_DIR", str(tmp_path))
    path = tmp_path / "audit" / "audit.jsonl"
    write_events(path, 40, AuditConfig(rotation_bytes=1500, retention=50, compression="gz"))
    runner = CliRunner()
    result = runner.invoke(build_cli(), ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "40 line(s)" in result.output
    rotated = audit_files(path)[0]
    rotated.unlink()
    broken = runner.invoke(build_cli(), ["audit", "verify"])
    # The oldest file may go (retention); a file in the middle may not.
    assert broken.exit_code == 0
    audit_files(path)[1].unlink()
    broken = runner.invoke(build_cli(), ["audit", "verify"])
    assert broken.exit_code == 1
    assert "removed or moved" in broken.output.replace("\n", " ")


def test_cli_audit_verify_without_a_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_cli(), ["audit", "verify", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
