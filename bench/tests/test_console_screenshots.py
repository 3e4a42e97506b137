"""``make screenshots`` works: the demo gateway is seeded and each chosen page is
photographed at phone and desktop width as a PNG of that width; every page fits a phone's
width (the capture refuses a page that would scroll sideways)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from ordo_testing.browser import Chromium, find_chromium

from bench.console_screenshots import DESKTOP, PHONE, SHOTS, main, run, select

pytestmark = pytest.mark.browser


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_each_page_is_photographed_at_phone_and_desktop_width(tmp_path: Path) -> None:
    found = find_chromium()
    if not isinstance(found, Chromium):
        pytest.skip(f"no browser for the screenshots: {found.reason}")
    written = await run(tmp_path, found, select("signin,orders"))
    assert sorted(p.name for p in written) == [
        "orders-desktop.png",
        "orders-phone.png",
        "signin-desktop.png",
        "signin-phone.png",
    ]
    for path in written:
        width, height = png_size(path)
        expected = PHONE if path.stem.endswith("phone") else DESKTOP
        assert width == expected.width
        assert height >= expected.height  # the full page, at least one screen


def test_every_page_has_a_name_and_unknown_names_are_refused() -> None:
    assert len({s.name for s in SHOTS}) == len(SHOTS)
    with pytest.raises(SystemExit, match="unknown page"):
        main(["--only", "orders,nosuch"])


async def test_every_page_fits_a_phone_screen(tmp_path: Path) -> None:
    found = find_chromium()
    if not isinstance(found, Chromium):
        pytest.skip(f"no browser for the screenshots: {found.reason}")
    written = await run(tmp_path, found, SHOTS, viewports=[PHONE])
    assert len(written) == len(SHOTS)
    assert all(png_size(path)[0] == PHONE.width for path in written)
