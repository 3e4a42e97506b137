"""The hash chain of the audit file: how a line is sealed and how a chain is checked.

Every line is one JSON object. Its ``prev`` is the ``hash`` of the line before it (``GENESIS``
for the very first line ever written) and its ``hash`` is the SHA-256 of the line's own text
without the ``hash`` member. The line is written as that text with ``,"hash":"<hex>"}``
appended in place of the closing brace, so checking a line needs no JSON round trip: any
changed byte, a removed line or two swapped lines break the chain at the first line affected.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ordo.audit.events import AuditEvent
from ordo.audit.files import read_text

GENESIS = "0" * 64
_SEALED = re.compile(r'^(?P<body>\{.*),"hash":"(?P<hash>[0-9a-f]{64})"\}$')


def event_record(event: AuditEvent) -> dict[str, Any]:
    """The JSON form of an event in the file and the API: UTC timestamp to milliseconds."""
    stamp = event.timestamp.astimezone(UTC).isoformat(timespec="milliseconds")
    return {
        "ts": stamp.replace("+00:00", "Z"),
        "kind": event.kind,
        "request_id": event.request_id,
        "actor": event.actor,
        "account": event.account,
        "payload": event.payload,
    }


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal(record: dict[str, Any], *, seq: int, prev: str) -> tuple[str, str]:
    """``(line, hash)`` of ``record`` as chain entry ``seq`` following ``prev``.

    ``line`` carries no newline. Keys are sorted so the same record always seals the same.
    """
    text = json.dumps(
        {"seq": seq, "prev": prev, **record},
        default=_jsonable,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    line_hash = digest(text)
    return f'{text[:-1]},"hash":"{line_hash}"}}', line_hash


def _jsonable(value: Any) -> Any:
    # Payloads are redacted copies of call arguments: Decimals, datetimes, enums, models.
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


@dataclass(frozen=True)
class ChainLink:
    """What verification needs from one line: its position and hashes."""

    seq: int
    prev: str
    hash: str


class BrokenLine(ValueError):
    """A line that does not verify on its own (edited, truncated, not a sealed line)."""


def parse_sealed(line: str) -> ChainLink:
    """Check one line's own hash and return its link; ``BrokenLine`` when it fails."""
    match = _SEALED.match(line)
    if match is None:
        raise BrokenLine("not a sealed audit line (no trailing hash)")
    body = match.group("body") + "}"
    if digest(body) != match.group("hash"):
        raise BrokenLine("content does not match its hash (the line was altered)")
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        raise BrokenLine("not valid JSON") from None
    seq, prev = data.get("seq"), data.get("prev")
    if not isinstance(seq, int) or not isinstance(prev, str):
        raise BrokenLine("missing seq or prev")
    return ChainLink(seq=seq, prev=prev, hash=match.group("hash"))


@dataclass(frozen=True)
class Failure:
    """The first line that breaks the chain."""

    file: Path
    line: int
    reason: str


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of checking a sequence of audit files."""

    files: list[Path]
    lines: int
    failure: Failure | None
    starts_at_genesis: bool
    first_seq: int | None
    last_hash: str | None

    @property
    def ok(self) -> bool:
        return self.failure is None


def verify_lines(lines: Iterable[tuple[Path, int, str]]) -> ChainWalk:
    """Check ``(file, line number, text)`` in order, stopping at the first failure."""
    walk = ChainWalk()
    for path, number, text in lines:
        if not walk.step(path, number, text):
            break
    return walk


@dataclass
class ChainWalk:
    """State of a walk along the chain."""

    count: int = 0
    first: ChainLink | None = None
    last: ChainLink | None = None
    failure: Failure | None = None

    def step(self, path: Path, number: int, text: str) -> bool:
        """Check one more line; False (and ``failure`` set) when it breaks the chain."""
        try:
            link = parse_sealed(text)
        except BrokenLine as exc:
            self.failure = Failure(path, number, str(exc))
            return False
        if self.last is not None and link.prev != self.last.hash:
            self.failure = Failure(path, number, _break_reason(self.last, link))
            return False
        if self.last is None and link.prev == GENESIS and link.seq != 0:
            self.failure = Failure(path, number, "claims to start the chain but is not entry 0")
            return False
        self.first = self.first or link
        self.last = link
        self.count += 1
        return True


def _break_reason(last: ChainLink, link: ChainLink) -> str:
    expected = last.seq + 1
    if link.seq > expected:
        return (
            f"expected seq {expected} but found seq {link.seq}: line(s) before this one "
            "were removed or moved"
        )
    if link.seq <= last.seq:
        return f"line out of order: seq {link.seq} after seq {last.seq} (lines were reordered)"
    return "does not follow the previous line (its prev hash differs: a line was replaced)"


def verify_files(files: Iterable[Path]) -> VerifyReport:
    """Check the chain across ``files`` in the order given (oldest first)."""
    paths = list(files)
    walk = verify_lines(iter_lines(paths))
    return VerifyReport(
        files=paths,
        lines=walk.count,
        failure=walk.failure,
        starts_at_genesis=walk.first is not None and walk.first.prev == GENESIS,
        first_seq=walk.first.seq if walk.first else None,
        last_hash=walk.last.hash if walk.last else None,
    )


def iter_lines(paths: Iterable[Path]) -> Iterator[tuple[Path, int, str]]:
    """Every non-empty line of every file, with its 1-based number in its file."""
    for path in paths:
        for number, text in enumerate(read_text(path).splitlines(), start=1):
            if text.strip():
                yield path, number, text
