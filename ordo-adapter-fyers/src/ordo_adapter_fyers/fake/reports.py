"""Read-only reports of the fake in the v3 reference's shapes: order and trade history
(``GET /order-history``, ``/trade-history``), market depth and market status."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordo_adapter_fyers.fake.book import OrderBook
from ordo_adapter_fyers.fake.state import Rejected

_STATUS_TEXT = {1: "Cancelled", 2: "Executed", 5: "Rejected", 4: "Pending", 6: "Pending"}
_HISTORY_STATUS_FILTER = {"1": {2}, "2": {1}, "3": {5}}
ORDER_TYPE_TEXT = {1: "Limit", 2: "Market", 3: "Stop", 4: "Stoplimit"}
_PRODUCT_TEXT = {"INTRADAY": "Intraday", "MARGIN": "Overnight"}


def order_items(book: OrderBook) -> list[dict[str, Any]]:
    """The order book as ``GET /orders`` reports it."""
    return [book.order_row(o) for o in book.orders.values()]


def trade_items(book: OrderBook) -> list[dict[str, Any]]:
    """The trade book as ``GET /tradebook`` reports it."""
    return [book.trade_row(t) for t in book.trades]


# -- history ---------------------------------------------------------------------------------
def _paged(items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
    try:
        page, size = int(query.get("page_no", 1)), int(query.get("page_size", 100))
    except ValueError:
        raise Rejected(400, -50, "page_no and page_size must be integers") from None
    if page < 1 or not 1 <= size <= 100:
        raise Rejected(400, -50, "page_no >= 1 and page_size 1 to 100")
    return items[(page - 1) * size : page * size]


def _symbol_matches(item_symbol: str, wanted: str) -> bool:
    # The reference's own sample filters by a bare name ("INFIBEAM").
    return not wanted or wanted.upper() in (item_symbol, item_symbol.split(":")[1].split("-")[0])


def order_history(book: OrderBook, query: dict[str, str]) -> dict[str, Any]:
    """``GET /order-history``: this session's orders in the report shape of the reference."""
    wanted_status = _HISTORY_STATUS_FILTER.get(query.get("status", "0"))
    rows = [
        {
            "symbol": o["symbol"],
            "clientId": o["clientId"],
            "id_fyers": o["id"],
            "exchOrdId": o["exchOrdId"],
            "exchange": o["exchange"],
            "segment": o["segment"],
            "instrument": o["instrument"],
            "description": o["description"],
            "trade_date_time": 0,
            "trade_date": o["orderDateTime"],
            "transaction_type": "BUY" if o["side"] == 1 else "SELL",
            "product_type": _PRODUCT_TEXT.get(o["productType"], o["productType"]),
            "status": _STATUS_TEXT.get(o["status"], "Pending"),
            "ordertype": ORDER_TYPE_TEXT[o["type"]],
            "qty": o["qty"],
            "tradedqty": o["filledQty"],
            "traded_price": o["tradedPrice"],
            "limit_price": o["limitPrice"],
            "ord_source": "API",
            "rejection_reason": o["message"] if o["status"] == 5 else "",
            "is_symbol_active": True,
        }
        for o in order_items(book)
        if _symbol_matches(o["symbol"], query.get("symbol", ""))
        and (wanted_status is None or o["status"] in wanted_status)
    ]
    return {"data": _paged(rows, query), "message": "Order Book data fetched successfully"}


def trade_history(book: OrderBook, query: dict[str, str]) -> dict[str, Any]:
    """``GET /trade-history``: this session's fills in the report shape of the reference."""
    rows = [
        {
            "symbol": t["symbol"],
            "clientId": t["clientId"],
            "description": t["symbol"].split(":")[1],
            "orderDateTime": t["orderDateTime"],
            "orderNumber": t["orderNumber"],
            "tradeNumber": t["tradeNumber"],
            "exchangeOrderNo": t["exchangeOrderNo"],
            "side": t["side"],
            "exchange": t["exchange"],
            "segment": t["segment"],
            "product_type": _PRODUCT_TEXT.get(t["productType"], t["productType"]),
            "traded_qty": t["tradedQty"],
            "trade_price": t["tradePrice"],
            "trade_value": t["tradeValue"],
            "is_symbol_active": True,
        }
        for t in trade_items(book)
        if _symbol_matches(t["symbol"], query.get("symbol", ""))
    ]
    return {"data": _paged(rows, query), "message": "Trade Book data fetched successfully"}


# -- depth and market status -----------------------------------------------------------------
def depth_reply(quote: dict[str, Any]) -> dict[str, Any]:
    """``GET /data/depth`` for one symbol, from its quote: five levels a tick apart."""
    if quote["s"] != "ok":
        raise Rejected(400, -300, "Invalid symbol provided")
    v = quote["v"]
    tick = Decimal(str(v["spread"])) / 2
    ltp = Decimal(str(v["lp"]))
    bids = [{"price": float(ltp - tick * n), "volume": 100 * n, "ord": n} for n in range(1, 6)]
    asks = [{"price": float(ltp + tick * n), "volume": 100 * n, "ord": n} for n in range(1, 6)]
    return {
        "d": {
            quote["n"]: {
                "totalbuyqty": sum(b["volume"] for b in bids),
                "totalsellqty": sum(a["volume"] for a in asks),
                "bids": bids,
                "ask": asks,  # singular, as Fyers spells it
                "o": v["open_price"],
                "h": v["high_price"],
                "l": v["low_price"],
                "c": v["prev_close_price"],
                "ch": v["ch"],
                "chp": v["chp"],
                "tick_Size": float(tick),
                "ltq": 1,
                "ltt": int(v["tt"]),
                "ltp": v["lp"],
                "v": v["volume"],
                "atp": v["atp"],
                "lower_ckt": round(v["prev_close_price"] * 0.8, 2),
                "upper_ckt": round(v["prev_close_price"] * 1.2, 2),
                "expiry": "",
                "oi": 0,
                "oiflag": False,
                "pdoi": 0,
                "oipercent": 0.0,
            }
        }
    }


MARKET_STATUS = [
    {"exchange": exchange, "segment": segment, "market_type": "NORMAL", "status": "OPEN"}
    for exchange, segment in ((10, 10), (10, 11), (10, 12), (12, 10), (12, 11), (11, 20))
]
"""The fake's market never closes: its orders fill at any hour."""
