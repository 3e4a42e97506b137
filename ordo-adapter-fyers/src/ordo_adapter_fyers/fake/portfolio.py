"""Holdings and positions replies of the fake, rendered from the engine's holdings and day
positions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordo_testing.matching import PositionBook

from ordo_adapter_fyers.fake.book import OrderBook


def holdings_reply(book: OrderBook) -> dict[str, Any]:
    items = []
    prices = book.prices
    for n, lot in enumerate(book.holdings, start=1):
        symbol, ltp, qty, cost = (
            book.symbols[lot.key],
            prices[lot.key],
            lot.quantity,
            lot.average_price,
        )
        items.append(
            {
                "symbol": lot.key,
                "holdingType": "HLD",
                "quantity": qty,
                "remainingQuantity": qty,
                "pl": float((ltp - cost) * qty),
                "costPrice": float(cost),
                "marketVal": float(ltp * qty),
                "ltp": float(ltp),
                "id": n,
                "fyToken": symbol.fytoken,
                "exchange": symbol.exchange,
                "segment": symbol.segment,
                "isin": symbol.isin,
                "qty_t1": 0,
                "remainingPledgeQuantity": qty,
                "collateralQuantity": 0,
            }
        )
    invested = sum((lot.average_price * lot.quantity for lot in book.holdings), Decimal(0))
    current = sum((prices[lot.key] * lot.quantity for lot in book.holdings), Decimal(0))
    overall = {
        "count_total": len(items),
        "total_investment": float(invested),
        "total_current_value": float(current),
        "total_pl": float(current - invested),
        "pnl_perc": float((current - invested) / invested * 100) if invested else 0.0,
    }
    return {"holdings": items, "overall": overall}


def positions_reply(book: OrderBook) -> dict[str, Any]:
    items = [_position(book, p) for p in book.engine.open_positions()]
    overall = {
        "count_total": len(items),
        "count_open": sum(1 for i in items if i["netQty"]),
        "pl_total": sum(i["pl"] for i in items),
        "pl_realized": sum(i["realized_profit"] for i in items),
        "pl_unrealized": sum(i["unrealized_profit"] for i in items),
    }
    return {"netPositions": items, "overall": overall}


def _position(book: OrderBook, position: PositionBook) -> dict[str, Any]:
    ticker, product = position.key, position.book_product
    symbol, ltp = book.symbols[ticker], book.prices[ticker]
    net = position.net_quantity
    net_avg = position.net_average or Decimal(0)
    realized, unrealized = position.realized, position.unrealized(ltp)
    return {
        "symbol": ticker,
        "id": f"{ticker}-{product}",
        "netQty": net,
        "qty": abs(net),
        "side": (net > 0) - (net < 0),
        "avgPrice": float(net_avg),
        "netAvg": float(net_avg),
        "buyQty": position.bought,
        "buyAvg": float(position.average_buy or 0),
        "buyVal": float(position.bought_value),
        "sellQty": position.sold,
        "sellAvg": float(position.average_sell or 0),
        "sellVal": float(position.sold_value),
        "productType": product,
        "realized_profit": float(realized),
        "unrealized_profit": float(unrealized),
        "pl": float(realized + unrealized),
        "ltp": float(ltp),
        "crossCurrency": "N",
        "rbiRefRate": 1.0,
        "qtyMulti_com": 1.0,
        "segment": symbol.segment,
        "exchange": symbol.exchange,
        "fyToken": symbol.fytoken,
        "cfBuyQty": 0,
        "cfSellQty": 0,
        "dayBuyQty": position.bought,
        "daySellQty": position.sold,
        "slNo": 0,
    }
