"""Order and trade numbers that continue across restarts of a paper account (so the
gateway's ledger and event log never see an old id again), allocated in blocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordo.adapters.base import AdapterContext
from ordo.domain import OrderRequest, Side
from ordo_adapter_mock import MockAdapter, MockSettings
from ordo_adapter_mock.numbering import BlockNumbers


def test_numbers_continue_after_the_last_reserved_block(tmp_path: Path) -> None:
    path = tmp_path / "numbers"
    first = BlockNumbers(path, block=3)
    assert [next(first) for _ in range(4)] == [1, 2, 3, 4]
    # Two blocks were reserved (up to 6): a restart continues after them, never repeats.
    assert path.read_text(encoding="ascii").strip() == "6"
    second = BlockNumbers(path, block=3)
    assert [next(second) for _ in range(2)] == [7, 8]
    assert path.read_text(encoding="ascii").strip() == "9"


def test_a_corrupt_record_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "numbers"
    path.write_text("twelve\n", encoding="ascii")
    with pytest.raises(ValueError, match="numbers: not a number"):
        BlockNumbers(path)


async def place_one(adapter: MockAdapter) -> tuple[str, list[str]]:
    """A market buy that fills at once: its order id and its trades' ids."""
    await adapter.begin_login()
    order = OrderRequest(exchange="NSE", symbol="SBIN", side=Side.BUY, quantity=1)
    order_id = (await adapter.place_order(order, "N1")).order_id
    return order_id, [t.trade_id for t in adapter.broker.trades()]


async def test_a_restarted_paper_account_hands_out_new_ids(tmp_path: Path) -> None:
    settings = MockSettings(number_across_restarts=True)
    before = await place_one(MockAdapter(settings, AdapterContext("paper", tmp_path)))
    after = await place_one(MockAdapter(settings, AdapterContext("paper", tmp_path)))
    assert before == ("PB0000000001", ["PT0000000001"])
    assert after == ("PB0000010001", ["PT0000010001"])


async def test_without_the_setting_a_seed_replays_the_same_ids(tmp_path: Path) -> None:
    settings = MockSettings()
    first = await place_one(MockAdapter(settings, AdapterContext("paper", tmp_path)))
    again = await place_one(MockAdapter(settings, AdapterContext("paper", tmp_path)))
    assert first == again == ("PB0000000001", ["PT0000000001"])
    assert not (tmp_path / "paper-order-numbers").exists()
