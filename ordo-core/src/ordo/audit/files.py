"""The audit file on disk: which files make up the log (rotated ones oldest first, then the
active file) and how to read one, compressed or not."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import tarfile
import zipfile
from pathlib import Path

# loguru names a rotated file "<stem>.<YYYY-MM-DD_HH-MM-SS_ffffff><suffix>[.<compression>]".
_STAMP = r"\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_\d{6}"
_COMPRESSED = (".tar.gz", ".tar.bz2", ".tar.xz", ".gz", ".bz2", ".xz", ".zip", ".tar")


def rotated_pattern(active: Path) -> re.Pattern[str]:
    stem, suffix = _split(active.name)
    return re.compile(
        rf"^{re.escape(stem)}\.(?P<stamp>{_STAMP})(?:\.\d+)?{re.escape(suffix)}"
        r"(?:\.(?:tar\.gz|tar\.bz2|tar\.xz|gz|bz2|xz|zip|tar))?$"
    )


def _split(name: str) -> tuple[str, str]:
    # The same split loguru uses to build rotated names.
    return os.path.splitext(name)


def audit_files(active: Path) -> list[Path]:
    """The audit log as written: rotated files oldest first, then ``active`` if present."""
    directory = active.parent
    if not directory.is_dir():
        return []
    pattern = rotated_pattern(active)
    rotated = []
    for entry in directory.iterdir():
        match = pattern.match(entry.name)
        if match and entry.is_file():
            # The stamp sorts chronologically as text; mtime breaks ties within one microsecond.
            rotated.append((match.group("stamp"), entry.stat().st_mtime_ns, entry.name, entry))
    files = [entry for *_, entry in sorted(rotated)]
    if active.is_file():
        files.append(active)
    return files


def read_text(path: Path) -> str:
    """A plain or compressed (gz, bz2, xz, zip, tar[.gz|.bz2|.xz]) audit file as text."""
    name = path.name
    if name.endswith((".tar", ".tar.gz", ".tar.bz2", ".tar.xz")):
        with tarfile.open(path) as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
            extracted = archive.extractfile(members[0]) if members else None
            return extracted.read().decode("utf-8") if extracted else ""
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            return archive.read(names[0]).decode("utf-8") if names else ""
    if name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return fh.read()
    if name.endswith(".bz2"):
        with bz2.open(path, "rt", encoding="utf-8") as fh:
            return fh.read()
    if name.endswith(".xz"):
        with lzma.open(path, "rt", encoding="utf-8") as fh:
            return fh.read()
    return path.read_text(encoding="utf-8")


def last_line(path: Path, *, tail_bytes: int = 65536) -> str | None:
    """The last non-empty line of ``path``; only the tail of a plain file is read."""
    if path.name.endswith(_COMPRESSED):
        texts = [line for line in read_text(path).splitlines() if line.strip()]
        return texts[-1] if texts else None
    with path.open("rb") as fh:
        size = fh.seek(0, 2)
        step = tail_bytes
        while True:
            start = max(0, size - step)
            fh.seek(start)
            chunk = fh.read(size - start)
            lines = [line for line in chunk.splitlines() if line.strip()]
            # A complete last line needs a line break before it, or the start of the file.
            if len(lines) >= 2 or start == 0:
                return lines[-1].decode("utf-8") if lines else None
            step *= 4
