"""The real ``openalgo`` client places, modifies and cancels orders through the facade;
smart orders converge on their target; baskets, splits, cancel-all and close-all."""

from __future__ import annotations

from typing import Any

from .conftest import Facade


def _status(facade: Facade, order_id: str) -> dict[str, Any]:
    reply: dict[str, Any] = facade.client().orderstatus(order_id=order_id)
    assert reply["status"] == "success", reply
    data: dict[str, Any] = reply["data"]
    return data


def _position(facade: Facade, symbol: str = "SBIN", product: str = "MIS") -> int:
    reply = facade.client().openposition(symbol=symbol, exchange="NSE", product=product)
    assert reply["status"] == "success", reply
    return int(reply["quantity"])


def test_market_order_is_placed_and_completes(facade: Facade) -> None:
    reply = facade.client().placeorder(
        symbol="SBIN", exchange="NSE", action="BUY", quantity=3, price_type="MARKET", product="MIS"
    )
    assert reply["status"] == "success", reply
    assert reply["results"] == [
        {"account": "paper", "status": "success", "orderid": reply["orderid"]}
    ]
    status = _status(facade, reply["orderid"])
    assert status["order_status"] == "complete"
    assert (status["action"], status["symbol"], status["exchange"]) == ("BUY", "SBIN", "NSE")
    assert (status["quantity"], status["product"], status["pricetype"]) == (3, "MIS", "MARKET")
    assert status["average_price"] > 0
    assert len(status["timestamp"].split(" ")) == 2  # 06-Jan-2025 09:15:00 form
    assert _position(facade) == 3


def test_limit_order_is_modified_then_cancelled(facade: Facade) -> None:
    client = facade.client()
    quote = client.quotes(symbol="SBIN", exchange="NSE")
    far = round(quote["data"]["ltp"] * 0.8, 1)
    placed = client.placeorder(
        symbol="SBIN",
        exchange="NSE",
        action="BUY",
        quantity=2,
        price_type="LIMIT",
        product="CNC",
        price=far,
    )
    assert placed["status"] == "success", placed
    order_id = placed["orderid"]
    assert _status(facade, order_id)["order_status"] == "open"

    lower = round(far - 1, 1)
    modified = client.modifyorder(
        order_id=order_id,
        symbol="SBIN",
        action="BUY",
        exchange="NSE",
        price_type="LIMIT",
        product="CNC",
        quantity=4,
        price=lower,
    )
    assert modified["status"] == "success", modified
    assert modified["orderid"] == order_id
    status = _status(facade, order_id)
    assert (status["quantity"], status["price"]) == (4, lower)

    cancelled = client.cancelorder(order_id=order_id)
    assert cancelled == {
        "status": "success",
        "orderid": order_id,
        "results": [{"account": "paper", "status": "success", "orderid": order_id}],
    }
    assert _status(facade, order_id)["order_status"] == "cancelled"


def test_smart_orders_converge_on_their_target(facade: Facade) -> None:
    client = facade.client()

    def smart(target: int) -> dict[str, Any]:
        reply: dict[str, Any] = client.placesmartorder(
            symbol="SBIN",
            exchange="NSE",
            action="BUY",
            quantity=1,
            position_size=target,
            product="MIS",
        )
        assert reply["status"] == "success", reply
        return reply

    smart(5)
    assert _position(facade) == 5
    again = smart(5)
    assert "orderid" not in again
    assert again["results"][0]["message"] == "no order: the position is already 5"
    short = smart(-3)
    assert _status(facade, short["orderid"])["action"] == "SELL"
    assert _status(facade, short["orderid"])["quantity"] == 8
    assert _position(facade) == -3
    smart(0)
    assert _position(facade) == 0
    book = client.orderbook()["data"]
    assert book["statistics"]["total_buy_orders"] == 2
    assert book["statistics"]["total_sell_orders"] == 1


def test_basket_and_split_orders(facade: Facade) -> None:
    client = facade.client()
    basket = client.basketorder(
        orders=[
            {
                "symbol": "SBIN",
                "exchange": "NSE",
                "action": "BUY",
                "quantity": 1,
                "pricetype": "MARKET",
                "product": "MIS",
            },
            {
                "symbol": "INFY",
                "exchange": "NSE",
                "action": "BUY",
                "quantity": 2,
                "pricetype": "MARKET",
                "product": "MIS",
            },
        ]
    )
    assert basket["status"] == "success", basket
    assert [r["symbol"] for r in basket["results"]] == ["SBIN", "INFY"]
    assert all(r["orderid"] for r in basket["results"])

    split = client.splitorder(
        symbol="TCS", exchange="NSE", action="BUY", quantity=7, splitsize=3, product="MIS"
    )
    assert split["status"] == "success", split
    assert [r["quantity"] for r in split["results"]] == [3, 3, 1]
    assert [r["order_num"] for r in split["results"]] == [1, 2, 3]
    assert (split["split_size"], split["total_quantity"]) == (3, 7)
    assert _position(facade, "TCS") == 7
    assert _position(facade, "INFY") == 2


def test_cancel_all_and_close_all(facade: Facade) -> None:
    client = facade.client()
    ltp = client.quotes(symbol="SBIN", exchange="NSE")["data"]["ltp"]
    open_ids = []
    # Two different prices: identical bodies within the window would be one order.
    for fraction in (0.8, 0.7):
        placed = client.placeorder(
            symbol="SBIN",
            exchange="NSE",
            action="BUY",
            quantity=1,
            price_type="LIMIT",
            product="CNC",
            price=round(ltp * fraction, 1),
        )
        open_ids.append(placed["orderid"])
    client.placeorder(symbol="INFY", exchange="NSE", action="SELL", quantity=2, product="MIS")
    client.placeorder(symbol="TCS", exchange="NSE", action="BUY", quantity=1, product="MIS")

    cancelled = client.cancelallorder()
    assert cancelled["status"] == "success", cancelled
    assert sorted(cancelled["canceled_orders"]) == sorted(open_ids)
    assert cancelled["failed_cancellations"] == []
    assert cancelled["message"] == "Canceled 2 orders. Failed to cancel 0 orders."

    closed = client.closeposition()
    assert closed["status"] == "success", closed
    assert sorted(r["symbol"] for r in closed["results"]) == ["INFY", "TCS"]
    assert _position(facade, "INFY") == 0
    assert _position(facade, "TCS") == 0
    assert all(p["quantity"] == 0 for p in client.positionbook()["data"])
