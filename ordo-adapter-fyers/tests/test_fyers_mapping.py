"""Pure Fyers JSON <-> domain mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from ordo.domain import (
    Exchange,
    OrderModification,
    OrderRequest,
    OrderStatus,
    OrderType,
    Product,
    Side,
    SymbolRef,
    Validity,
)
from ordo.safety.tags import order_tag
from ordo_adapter_fyers import mapping
from ordo_adapter_fyers.symbology import from_fyers_ticker


def resolve(ticker: str) -> SymbolRef:
    return from_fyers_ticker(ticker)


def _order(**changes: Any) -> OrderRequest:
    values: dict[str, Any] = {
        "exchange": Exchange.NSE,
        "symbol": "SBIN",
        "side": Side.BUY,
        "quantity": 5,
    }
    values.update(changes)
    return OrderRequest(**values)


@pytest.mark.parametrize(
    ("order_type", "price", "trigger", "code", "limit", "stop"),
    [
        (OrderType.LIMIT, Decimal("700.05"), None, 1, 700.05, 0.0),
        (OrderType.MARKET, None, None, 2, 0.0, 0.0),
        (OrderType.SL_M, None, Decimal("690"), 3, 0.0, 690.0),
        (OrderType.SL, Decimal("701"), Decimal("700"), 4, 701.0, 700.0),
    ],
)
def test_place_body_type_codes(
    order_type: OrderType,
    price: Decimal | None,
    trigger: Decimal | None,
    code: int,
    limit: float,
    stop: float,
) -> None:
    body = mapping.order_to_broker(
        _order(order_type=order_type, price=price, trigger_price=trigger), "NSE:SBIN-EQ", "OABC"
    )
    assert (body["type"], body["limitPrice"], body["stopPrice"]) == (code, limit, stop)


@pytest.mark.parametrize(
    ("side", "product", "validity", "amo", "fyers"),
    [
        (Side.BUY, Product.CNC, Validity.DAY, False, (1, "CNC", "DAY", False)),
        (Side.SELL, Product.MIS, Validity.IOC, False, (-1, "INTRADAY", "IOC", False)),
        (Side.SELL, Product.NRML, Validity.DAY, True, (-1, "MARGIN", "DAY", True)),
    ],
)
def test_place_body_sides_products_validity(
    side: Side, product: Product, validity: Validity, amo: bool, fyers: tuple[Any, ...]
) -> None:
    tag = order_tag("token", "key-1", "0")
    body = mapping.order_to_broker(
        _order(side=side, product=product, validity=validity, amo=amo, disclosed_quantity=2),
        "NSE:SBIN-EQ",
        tag,
    )
    assert (body["side"], body["productType"], body["validity"], body["offlineOrder"]) == fyers
    assert body["orderTag"] == tag
    assert (body["symbol"], body["qty"], body["disclosedQty"]) == ("NSE:SBIN-EQ", 5, 2)


@pytest.mark.parametrize("tag", ["", "has space", "x" * 31, "O-1"])
def test_place_body_refuses_tags_fyers_rejects(tag: str) -> None:
    with pytest.raises(ValueError, match="orderTag"):
        mapping.order_to_broker(_order(), "NSE:SBIN-EQ", tag)


def test_modify_body_keeps_type_and_zeroes_unused_prices() -> None:
    body = mapping.modification_to_broker(
        "123", OrderModification(price=Decimal("710")), OrderType.LIMIT
    )
    assert body == {"id": "123", "type": 1, "limitPrice": 710.0, "stopPrice": 0.0}
    body = mapping.modification_to_broker(
        "123", OrderModification(order_type=OrderType.MARKET, quantity=3), OrderType.LIMIT
    )
    assert body == {"id": "123", "type": 2, "qty": 3, "limitPrice": 0.0, "stopPrice": 0.0}
    body = mapping.modification_to_broker(
        "9", OrderModification(trigger_price=Decimal("650")), OrderType.SL_M
    )
    assert body == {"id": "9", "type": 3, "limitPrice": 0.0, "stopPrice": 650.0}
    with pytest.raises(ValueError, match="validity"):
        mapping.modification_to_broker(
            "9", OrderModification(validity=Validity.IOC), OrderType.LIMIT
        )


@pytest.mark.parametrize(
    ("code", "filled", "qty", "status"),
    [
        (1, 0, 5, OrderStatus.CANCELLED),
        (2, 5, 5, OrderStatus.FILLED),
        (4, 0, 5, OrderStatus.PENDING),
        (5, 0, 5, OrderStatus.REJECTED),
        (6, 0, 5, OrderStatus.OPEN),
        (6, 2, 5, OrderStatus.PARTIALLY_FILLED),
        (7, 0, 5, OrderStatus.EXPIRED),
        ("6", 0, 5, OrderStatus.OPEN),
        (99, 0, 5, OrderStatus.PENDING),
        (None, 0, 5, OrderStatus.PENDING),
    ],
)
def test_order_status(code: Any, filled: int, qty: int, status: OrderStatus) -> None:
    assert mapping.order_status(code, filled, qty) is status


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("1:O0123456789ABCDE", "O0123456789ABCDE"),
        ("2:Untagged", None),
        ("1:Untagged", None),
        ("Untagged", None),
        ("OABC", "OABC"),
        ("", None),
        (None, None),
    ],
)
def test_tag_from_fyers(raw: Any, tag: str | None) -> None:
    assert mapping.tag_from_broker(raw) == tag


ORDER_ITEM = {
    "id": "23030900017171",
    "symbol": "NSE:SBIN-EQ",
    "qty": 10,
    "filledQty": 4,
    "remainingQuantity": 6,
    "limitPrice": 560.5,
    "stopPrice": 0,
    "tradedPrice": 560.25,
    "type": 1,
    "side": -1,
    "productType": "INTRADAY",
    "orderValidity": "DAY",
    "status": 6,
    "message": "",
    "orderDateTime": "09-Mar-2023 09:34:38",
    "orderTag": "1:O00000000000000A",
}


def test_order_from_fyers() -> None:
    order = mapping.order_from_broker(ORDER_ITEM, resolve)
    assert order.order_id == "23030900017171"
    assert (order.exchange, order.symbol, order.side) == (Exchange.NSE, "SBIN", Side.SELL)
    assert (order.quantity, order.filled_quantity) == (10, 4)
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert (order.order_type, order.product) == (OrderType.LIMIT, Product.MIS)
    assert order.price == Decimal("560.5")
    assert order.trigger_price is None
    assert order.average_price == Decimal("560.25")
    assert order.tag == "O00000000000000A"
    assert order.placed_at == datetime(2023, 3, 9, 4, 4, 38, tzinfo=UTC)


def test_stop_orders_and_odd_products() -> None:
    item = ORDER_ITEM | {
        "type": 4,
        "stopPrice": 559,
        "productType": "BO",
        "status": 2,
        "orderValidity": "IOC",
        "tradedPrice": 0,
    }
    order = mapping.order_from_broker(item, resolve)
    assert (order.order_type, order.trigger_price, order.price) == (
        OrderType.SL,
        Decimal("559"),
        Decimal("560.5"),
    )
    assert (order.product, order.validity, order.average_price) == (Product.MIS, Validity.IOC, None)
    market = mapping.order_from_broker(ORDER_ITEM | {"type": 3, "stopPrice": 555}, resolve)
    assert (market.order_type, market.price, market.trigger_price) == (
        OrderType.SL_M,
        None,
        Decimal("555"),
    )


def test_trade_from_fyers() -> None:
    item = {
        "orderDateTime": "09-Mar-2023 09:34:38",
        "orderNumber": "23030900017171",
        "tradeNumber": "52605023",
        "symbol": "NSE:NIFTY2512321500CE",
        "side": 1,
        "productType": "MARGIN",
        "tradedQty": 75,
        "tradePrice": 101.05,
        "orderTag": "1:OTAG",
    }
    trade = mapping.trade_from_broker(item, resolve)
    assert (trade.trade_id, trade.order_id, trade.quantity) == ("52605023", "23030900017171", 75)
    assert (trade.exchange, trade.symbol) == (Exchange.NFO, "NIFTY23JAN2521500CE")
    assert (trade.price, trade.product, trade.side, trade.tag) == (
        Decimal("101.05"),
        Product.NRML,
        Side.BUY,
        "OTAG",
    )


FUND_LINES = [
    {"id": 1, "title": "Total Balance", "equityAmount": 100000.0, "commodityAmount": 5000.0},
    {"id": 2, "title": "Utilized Amount", "equityAmount": 2500.5, "commodityAmount": 0.0},
    {"id": 3, "title": "Clear Balance", "equityAmount": 97499.5, "commodityAmount": 5000.0},
    {"id": 5, "title": "Collaterals", "equityAmount": 20000.0, "commodityAmount": 0.0},
    {"id": 10, "title": "Available Balance", "equityAmount": 117499.5, "commodityAmount": 5000.0},
]


def test_funds_available_balance_is_line_10() -> None:
    funds = mapping.funds_from_broker(FUND_LINES)
    assert funds.available == Decimal("117499.5")
    # Total Balance is the cash ledger; the available balance includes the collateral.
    assert (funds.total, funds.used, funds.collateral) == (
        Decimal("120000.0"),
        Decimal("2500.5"),
        Decimal("20000.0"),
    )


def test_funds_configurable_line_and_segments() -> None:
    clear = mapping.funds_from_broker(FUND_LINES, available_id=3)
    assert (clear.available, clear.total) == (Decimal("97499.5"), Decimal("100000.0"))
    both = mapping.funds_from_broker(FUND_LINES, segments="both")
    assert both.available == Decimal("122499.5")
    assert mapping.funds_from_broker(FUND_LINES, segments="commodity").available == Decimal(5000)


def test_funds_match_titles_when_ids_are_missing() -> None:
    lines = [{"title": "Available Balance", "equityAmount": "42.5", "commodityAmount": "0"}]
    assert mapping.funds_from_broker(lines).available == Decimal("42.5")
    with pytest.raises(ValueError, match="no line"):
        mapping.funds_from_broker([{"id": 1, "equityAmount": 1}])


def test_holding_and_position() -> None:
    holding = mapping.holding_from_broker(
        {
            "symbol": "NSE:SBIN-EQ",
            "quantity": 10,
            "remainingQuantity": 8,
            "costPrice": 550.0,
            "ltp": 800.0,
            "pl": 2000.0,
            "isin": "INE062A01020",
            "qty_t1": 2,
        },
        resolve,
    )
    assert (holding.symbol, holding.quantity, holding.t1_quantity) == ("SBIN", 8, 2)
    assert (holding.average_price, holding.pnl) == (Decimal("550.0"), Decimal("2000.0"))
    position = mapping.position_from_broker(
        {
            "symbol": "NSE:NIFTY2512321500CE",
            "netQty": -75,
            "netAvg": 101.5,
            "buyQty": 0,
            "buyAvg": 0,
            "sellQty": 75,
            "sellAvg": 101.5,
            "productType": "MARGIN",
            "realized_profit": 0,
            "unrealized_profit": -375.0,
            "ltp": 106.5,
        },
        resolve,
    )
    assert (position.exchange, position.quantity, position.product) == (
        Exchange.NFO,
        -75,
        Product.NRML,
    )
    assert (position.buy_average, position.sell_average) == (None, Decimal("101.5"))
    assert position.unrealised_pnl == Decimal("-375.0")


def test_quote() -> None:
    ref = SymbolRef.parse("NSE:SBIN")
    now = datetime.now(UTC).replace(microsecond=0)
    item = {
        "n": "NSE:SBIN-EQ",
        "s": "ok",
        "v": {
            "lp": 800.5,
            "open_price": 790,
            "high_price": 805,
            "low_price": 788,
            "prev_close_price": 792.1,
            "volume": 1234,
            "bid": 800.45,
            "ask": 800.55,
            "tt": str(int(now.timestamp())),
        },
    }
    quote = mapping.quote_from_broker(item, ref)
    assert quote is not None
    assert (quote.last_price, quote.close, quote.volume) == (
        Decimal("800.5"),
        Decimal("792.1"),
        1234,
    )
    assert (quote.bid, quote.ask, quote.timestamp) == (Decimal("800.45"), Decimal("800.55"), now)
    error = {"n": "NSE:XYZ-EQ", "s": "error", "v": {"code": -300, "errmsg": "invalid symbol"}}
    assert mapping.quote_from_broker(error, ref) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09-Mar-2023 09:34:38", datetime(2023, 3, 9, 9, 34, 38) - timedelta(hours=5, minutes=30)),
        ("09-03-2023 09:34:38", datetime(2023, 3, 9, 9, 34, 38) - timedelta(hours=5, minutes=30)),
        ("garbage", None),
        (None, None),
    ],
)
def test_order_time_is_ist(text: Any, expected: datetime | None) -> None:
    parsed = mapping.parse_order_time(text)
    if expected is None:
        assert parsed is None
    else:
        assert parsed is not None
        assert parsed.astimezone(UTC).replace(tzinfo=None) == expected
