"""``AsyncOrdo`` against the gateway built in-process (ASGI transport), on paper accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from ordo_client import (
    AsyncOrdo,
    ChallengeKind,
    Funds,
    Order,
    OrderModification,
    OrderRequest,
    OrderStatus,
    OrderType,
    OrdoAuthError,
    OrdoError,
    OrdoNotFoundError,
    OrdoPartialFailureError,
    OrdoValidationError,
    Quote,
    RetryPolicy,
    SessionState,
    SymbolError,
)

from .conftest import TOKEN, build_app, paper_broker

LIMIT_BUY = OrderRequest(
    exchange="NSE",
    symbol="SBIN",
    side="BUY",
    quantity=2,
    order_type="LIMIT",
    price=Decimal("700.00"),
)


def client(app: FastAPI, token: str = TOKEN) -> AsyncOrdo:
    return AsyncOrdo(
        "http://gateway.test",
        token=token,
        transport=httpx.ASGITransport(app=app),
        retry=RetryPolicy(max_attempts=3, backoff=0.001),
    )


@pytest.fixture
async def ordo(asgi_app: FastAPI) -> AsyncIterator[AsyncOrdo]:
    async with client(asgi_app) as c:
        yield c


async def test_health_and_accounts(ordo: AsyncOrdo) -> None:
    health = await ordo.health()
    assert health.status == "ok"
    accounts = await ordo.accounts()
    assert [a.name for a in accounts] == ["paper"]
    assert accounts[0].adapter == "mock"
    assert accounts[0].session_state is SessionState.ACTIVE
    assert "place_order" in accounts[0].capabilities


async def test_wrong_token_raises_auth_error_with_request_id(asgi_app: FastAPI) -> None:
    async with client(asgi_app, token="wrong") as bad:
        with pytest.raises(OrdoAuthError) as info:
            await bad.funds()
    assert info.value.status_code == 401
    assert info.value.error_code == "UNAUTHORIZED"
    assert info.value.request_id
    assert "wrong" not in str(info.value)


async def test_funds_are_decimals(ordo: AsyncOrdo) -> None:
    result = await ordo.funds(["paper"])
    assert result.ok
    funds = result.data()["paper"]
    assert isinstance(funds, Funds)
    assert funds.available == Decimal("10000000")
    assert isinstance(funds.total, Decimal)


async def test_quotes_and_instrument_search(ordo: AsyncOrdo, asgi_app: FastAPI) -> None:
    paper_broker(asgi_app).set_price("NSE:SBIN", Decimal("812.35"))
    quotes = (await ordo.quotes(["NSE:SBIN"])).data()["paper"]
    assert len(quotes) == 1
    assert [(q.symbol, q.last_price) for q in quotes if isinstance(q, Quote)] == [
        ("SBIN", Decimal("812.35"))
    ]
    found = (await ordo.search_instruments("SBIN", limit=5)).data()["paper"]
    assert any(i.ref == "NSE:SBIN" for i in found)
    assert all(i.lot_size >= 1 for i in found)


async def test_unknown_account_is_not_found(ordo: AsyncOrdo) -> None:
    with pytest.raises(OrdoNotFoundError) as info:
        await ordo.funds(["nobody"])
    assert info.value.error_code == "UNKNOWN_ACCOUNT"


async def test_invalid_order_is_a_validation_error(ordo: AsyncOrdo, asgi_app: FastAPI) -> None:
    no_price = OrderRequest(
        exchange="NSE", symbol="SBIN", side="BUY", quantity=1, order_type="LIMIT"
    )
    with pytest.raises(OrdoValidationError) as info:
        await ordo.place_order(no_price, ["paper"])
    assert info.value.error_code == "PRICE_REQUIRED"
    assert info.value.status_code == 422
    assert paper_broker(asgi_app).orders() == []


async def test_order_lifecycle(ordo: AsyncOrdo, asgi_app: FastAPI) -> None:
    paper_broker(asgi_app).set_price("NSE:SBIN", Decimal("800.00"))
    placed = await ordo.place_order(LIMIT_BUY, ["paper"], idempotency_key="life-1")
    placed.raise_for_failures()
    assert placed.idempotency_key == "life-1"
    order_id = placed.order_ids()["paper"]
    leg = placed.succeeded[0].data
    assert leg is not None
    assert leg.status is OrderStatus.OPEN
    assert leg.tag

    order = await ordo.get_order("paper", order_id)
    assert isinstance(order, Order)
    assert (order.quantity, order.price, order.tag) == (2, Decimal("700.00"), leg.tag)

    modified = await ordo.modify_order("paper", order_id, OrderModification(price="701.50"))
    assert modified.ok
    assert (await ordo.get_order("paper", order_id)).price == Decimal("701.50")

    book = (await ordo.orders(["paper"])).data()["paper"]
    assert [o.order_id for o in book] == [order_id]

    cancelled = await ordo.cancel_order("paper", order_id)
    ack = cancelled.succeeded[0].data
    assert ack is not None
    assert ack.status is OrderStatus.CANCELLED
    assert paper_broker(asgi_app).order(order_id).status.value == "CANCELLED"


async def test_unknown_order_is_not_found(ordo: AsyncOrdo) -> None:
    with pytest.raises(OrdoNotFoundError):
        await ordo.get_order("paper", "PB-missing")


async def test_market_buy_shows_in_portfolio(ordo: AsyncOrdo, asgi_app: FastAPI) -> None:
    paper_broker(asgi_app).set_price("NSE:SBIN", Decimal("800.00"))
    buy = OrderRequest(exchange="NSE", symbol="SBIN", side="BUY", quantity=3)
    (await ordo.place_order(buy, "paper")).raise_for_failures()
    portfolio = await ordo.portfolio()
    assert portfolio.consolidated is not None
    assert portfolio.consolidated.accounts == ["paper"]
    mine = portfolio.data()["paper"]
    held = {h.symbol: h.quantity for h in mine.holdings} | {
        p.symbol: p.quantity for p in mine.positions
    }
    assert held["SBIN"] == 3
    assert mine.funds.available < Decimal("10000000")
    rows = portfolio.consolidated.holdings + portfolio.consolidated.positions
    assert any(row.account == "paper" and row.symbol == "SBIN" for row in rows)


async def test_partial_success_across_accounts(tmp_path: Path) -> None:
    app = build_app(tmp_path, {"rich": {}, "poor": {"starting_cash": "10"}})
    async with app.router.lifespan_context(app), client(app) as ordo:
        result = await ordo.place_order(LIMIT_BUY, ["rich", "poor"])
        assert result.status == "partial"
        assert result.http_status == 207
        assert [leg.account for leg in result.succeeded] == ["rich"]
        assert [leg.account for leg in result.failed] == ["poor"]
        assert result.failed[0].error_code
        with pytest.raises(OrdoPartialFailureError) as info:
            result.raise_for_failures()
        assert [leg.account for leg in info.value.failed] == ["poor"]
        assert len(paper_broker(app, "rich").orders()) == 1
        assert paper_broker(app, "poor").orders() == []


async def test_otp_login_flow(tmp_path: Path) -> None:
    app = build_app(tmp_path, {"otp": {"login_otp": "246810"}})
    async with app.router.lifespan_context(app), client(app) as ordo:
        step = await ordo.login("otp")
        assert step.state is SessionState.PENDING_CHALLENGE
        assert step.challenge is not None
        assert step.challenge.kind is ChallengeKind.OTP
        challenge_id = step.challenge.challenge_id
        with pytest.raises(OrdoValidationError) as info:
            await ordo.answer_challenge("otp", challenge_id, "000000")
        assert "000000" not in str(info.value)
        done = await ordo.answer_challenge("otp", challenge_id, "246810")
        assert done.active
        assert done.session is not None
        assert (await ordo.accounts())[0].session_state is SessionState.ACTIVE
        out = await ordo.logout("otp")
        assert out.state is SessionState.NONE


async def test_trade_book_profile_and_margin_source(ordo: AsyncOrdo, asgi_app: FastAPI) -> None:
    paper_broker(asgi_app).set_price("NSE:SBIN", Decimal("800.00"))
    buy = OrderRequest(exchange="NSE", symbol="SBIN", side="BUY", quantity=3)
    placed = await ordo.place_order(buy, "paper")
    placed.raise_for_failures()
    [leg] = placed.succeeded
    assert leg.data is not None
    # The paper broker declares its margin calculator: the funds check used it.
    assert leg.data.margin_source == "broker"

    trades = (await ordo.trades()).data()["paper"]
    assert [(t.order_id, t.symbol, t.quantity) for t in trades] == [(leg.data.order_id, "SBIN", 3)]
    assert trades[0].price == Decimal("800.00")

    profile = (await ordo.profile("paper")).data()["paper"]
    assert (profile.client_id, profile.broker) == ("paper", "mock")


async def test_an_unknown_symbol_in_a_quote_batch_is_a_per_symbol_error(
    ordo: AsyncOrdo, asgi_app: FastAPI
) -> None:
    paper_broker(asgi_app).set_price("NSE:SBIN", Decimal("800.00"))
    result = await ordo.quotes(["NSE:SBIN", "NSE:NOSUCHCO", "NSE_INDEX:NIFTY"])
    assert [r.status for r in result.results] == ["success"]
    rows = result.data()["paper"]
    quotes = {(str(q.exchange), q.symbol): q.last_price for q in rows if isinstance(q, Quote)}
    errors = [(e.symbol, e.error_code) for e in rows if isinstance(e, SymbolError)]
    assert quotes[("NSE", "SBIN")] == Decimal("800.00")
    assert ("NSE_INDEX", "NIFTY") in quotes
    assert errors == [("NOSUCHCO", "INSTRUMENT_NOT_FOUND")]


async def test_cancel_all_passes_the_kill_switch_and_replays(
    ordo: AsyncOrdo, asgi_app: FastAPI
) -> None:
    paper_broker(asgi_app).set_price("NSE:SBIN", Decimal("800.00"))
    ids: list[str] = []
    for _ in range(2):
        placed = await ordo.place_order(LIMIT_BUY, "paper")  # rests: 700 is below 800
        ids.extend(placed.raise_for_failures().order_ids().values())
    await ordo.engage_kill_switch("test: flatten")
    try:
        result = await ordo.cancel_all("paper", idempotency_key="flatten-1")
        cancelled = result.data()["paper"]
        assert sorted(cancelled.cancelled) == sorted(ids)
        assert cancelled.failed == []
        statuses = {o.order_id: o.status for o in (await ordo.orders()).data()["paper"]}
        assert {statuses[i] for i in ids} == {OrderStatus.CANCELLED}
        # The same key replays the first answer; nothing is sent again.
        again = await ordo.cancel_all("paper", idempotency_key="flatten-1")
        assert sorted(again.data()["paper"].cancelled) == sorted(ids)
        # New orders stay refused under the kill switch.
        with pytest.raises(OrdoError):
            (await ordo.place_order(LIMIT_BUY, "paper")).raise_for_failures()
    finally:
        await ordo.release_kill_switch("test done")


async def test_order_history_is_the_brokers_trail(ordo: AsyncOrdo, asgi_app: FastAPI) -> None:
    paper_broker(asgi_app).set_price("NSE:SBIN", Decimal("800.00"))
    placed = await ordo.place_order(LIMIT_BUY, "paper")  # rests: 700 is below 800
    [order_id] = placed.raise_for_failures().order_ids().values()
    await ordo.modify_order("paper", order_id, OrderModification(price=Decimal("701.00")))
    (await ordo.cancel_order("paper", order_id)).raise_for_failures()
    history = await ordo.order_history("paper", order_id)
    assert [(h.status, h.price) for h in history] == [
        (OrderStatus.PENDING, Decimal("700.00")),
        (OrderStatus.OPEN, Decimal("700.00")),
        (OrderStatus.OPEN, Decimal("701.00")),
        (OrderStatus.CANCELLED, Decimal("701.00")),
    ]
    assert {h.order_id for h in history} == {order_id}
    with pytest.raises(OrdoNotFoundError):
        await ordo.order_history("paper", "PB9999999999")


async def test_exit_positions_flattens_under_the_kill_switch_and_replays(
    ordo: AsyncOrdo, asgi_app: FastAPI
) -> None:
    broker = paper_broker(asgi_app)
    broker.set_price("NSE:SBIN", Decimal("800.00"))
    broker.set_price("NSE:INFY", Decimal("1500.00"))
    buy = OrderRequest(exchange="NSE", symbol="SBIN", side="BUY", quantity=3, product="MIS")
    sell = OrderRequest(exchange="NSE", symbol="INFY", side="SELL", quantity=2, product="MIS")
    for order in (buy, sell):
        (await ordo.place_order(order, "paper")).raise_for_failures()
    await ordo.engage_kill_switch("test: flatten positions")
    try:
        result = await ordo.exit_positions("paper", idempotency_key="exit-1")
        result.raise_for_failures()
        exits = {(e.symbol, e.side, e.quantity, e.status) for e in result.data()["paper"].positions}
        assert exits == {("SBIN", "SELL", 3, "success"), ("INFY", "BUY", 2, "success")}
        positions = (await ordo.positions("paper")).data()["paper"]
        assert {p.symbol: p.quantity for p in positions} == {"SBIN": 0, "INFY": 0}
        booked = len((await ordo.orders("paper")).data()["paper"])
        # The same key replays the first answer and books nothing more.
        again = await ordo.exit_positions("paper", idempotency_key="exit-1")
        assert again.data()["paper"] == result.data()["paper"]
        assert len((await ordo.orders("paper")).data()["paper"]) == booked
        # A new key finds nothing left to exit; new orders stay refused.
        flat = await ordo.exit_positions("paper", idempotency_key="exit-2")
        assert flat.data()["paper"].positions == []
        with pytest.raises(OrdoError):
            (await ordo.place_order(buy, "paper")).raise_for_failures()
    finally:
        await ordo.release_kill_switch("test done")


async def test_protection_and_slicing_are_typed(ordo: AsyncOrdo, asgi_app: FastAPI) -> None:
    market = OrderRequest(
        exchange="NSE", symbol="SBIN", side="BUY", quantity=1, market_protection_pct=Decimal(4)
    )
    [leg] = (await ordo.place_order(market, "paper")).raise_for_failures().succeeded
    assert leg.data is not None
    assert leg.data.sent is not None
    assert (leg.data.sent.order_type, leg.data.sent.protection) == (OrderType.MARKET, "field")
    assert leg.data.sent.market_protection_pct == Decimal(4)

    option = next(
        i
        for i in paper_broker(asgi_app).instruments()
        if i.underlying == "NIFTY" and i.symbol.endswith("CE") and i.freeze_quantity
    )
    assert option.freeze_quantity is not None
    big = OrderRequest(
        exchange="NFO",
        symbol=option.symbol,
        side="BUY",
        quantity=2 * option.freeze_quantity,
        order_type="LIMIT",
        price="500.00",
        product="NRML",
        slice=True,
    )
    placed = (await ordo.place_order(big, "paper")).raise_for_failures()
    [leg] = placed.results
    assert leg.data is None
    sliced = placed.sliced()["paper"]
    assert leg.sliced_order == sliced
    assert [(s.quantity, s.status) for s in sliced.slices] == [
        (option.freeze_quantity, "success")
    ] * 2
    assert placed.all_order_ids() == {"paper": sliced.order_ids}
    assert len(sliced.order_ids) == 2
    assert placed.order_ids() == {}


async def test_a_sliced_exit_lists_its_children(ordo: AsyncOrdo, asgi_app: FastAPI) -> None:
    broker = paper_broker(asgi_app)
    option = next(
        i
        for i in broker.instruments()
        if i.underlying == "NIFTY" and i.symbol.endswith("CE") and i.freeze_quantity
    )
    freeze = option.freeze_quantity
    assert freeze is not None
    long = OrderRequest(
        exchange="NFO",
        symbol=option.symbol,
        side="BUY",
        quantity=freeze * 5 // 2,
        product="NRML",
        slice=True,
    )
    (await ordo.place_order(long, "paper")).raise_for_failures()
    await ordo.engage_kill_switch("test: flatten a position above the freeze quantity")
    try:
        result = await ordo.exit_positions("paper", idempotency_key="exit-sliced")
        [row] = result.raise_for_failures().data()["paper"].positions
        assert (row.side, row.quantity, row.status, row.order_id) == (
            "SELL",
            long.quantity,
            "success",
            None,
        )
        assert row.sliced is not None
        assert (row.sliced.tag, row.sliced.freeze_quantity) == (row.tag, freeze)
        assert [(s.quantity, s.status) for s in row.sliced.slices] == [
            (freeze, "success"),
            (freeze, "success"),
            (long.quantity - 2 * freeze, "success"),
        ]
        assert all(s.sent is not None and s.sent.protection == "field" for s in row.sliced.slices)
        assert row.order_ids() == row.sliced.order_ids
        assert len(set(row.order_ids())) == 3
        positions = (await ordo.positions("paper")).data()["paper"]
        assert {p.symbol: p.quantity for p in positions} == {option.symbol: 0}
    finally:
        await ordo.release_kill_switch("test done")
