"""Holdings and positions replies of the fake, derived from its book's fills."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordo_adapter_fyers.fake.book import FakeTrade, OrderBook


def holdings_reply(book: OrderBook) -> dict[str, Any]:
    items = []
    for n, (ticker, qty, cost) in enumerate(book.holdings, start=1):
        symbol, ltp = book.symbols[ticker], book.prices[ticker]
        items.append(
            {
                "symbol": ticker,
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
    invested = sum((cost * qty for _, qty, cost in book.holdings), Decimal(0))
    current = sum((book.prices[t] * q for t, q, _ in book.holdings), Decimal(0))
    overall = {
        "count_total": len(items),
        "total_investment": float(invested),
        "total_current_value": float(current),
        "total_pl": float(current - invested),
        "pnl_perc": float((current - invested) / invested * 100) if invested else 0.0,
    }
    return {"holdings": items, "overall": overall}


def positions_reply(book: OrderBook) -> dict[str, Any]:
    groups: dict[tuple[str, str], list[FakeTrade]] = {}
    for trade in book.trades:
        groups.setdefault((trade.order.symbol.ticker, trade.order.product), []).append(trade)
    items = [
        _position(book, ticker, product, trades) for (ticker, product), trades in groups.items()
    ]
    overall = {
        "count_total": len(items),
        "count_open": sum(1 for i in items if i["netQty"]),
        "pl_total": sum(i["pl"] for i in items),
        "pl_realized": sum(i["realized_profit"] for i in items),
        "pl_unrealized": sum(i["unrealized_profit"] for i in items),
    }
    return {"netPositions": items, "overall": overall}


def _position(
    book: OrderBook, ticker: str, product: str, trades: list[FakeTrade]
) -> dict[str, Any]:
    symbol, ltp = book.symbols[ticker], book.prices[ticker]
    buys = [t for t in trades if t.order.side == 1]
    sells = [t for t in trades if t.order.side == -1]
    buy_qty, sell_qty = sum(t.qty for t in buys), sum(t.qty for t in sells)
    buy_val = sum((t.price * t.qty for t in buys), Decimal(0))
    sell_val = sum((t.price * t.qty for t in sells), Decimal(0))
    buy_avg = buy_val / buy_qty if buy_qty else Decimal(0)
    sell_avg = sell_val / sell_qty if sell_qty else Decimal(0)
    net = buy_qty - sell_qty
    net_avg = buy_avg if net > 0 else sell_avg if net < 0 else Decimal(0)
    closed = min(buy_qty, sell_qty)
    realized = (sell_avg - buy_avg) * closed if closed else Decimal(0)
    unrealized = (ltp - net_avg) * net
    return {
        "symbol": ticker,
        "id": f"{ticker}-{product}",
        "netQty": net,
        "qty": abs(net),
        "side": (net > 0) - (net < 0),
        "avgPrice": float(net_avg),
        "netAvg": float(net_avg),
        "buyQty": buy_qty,
        "buyAvg": float(buy_avg),
        "buyVal": float(buy_val),
        "sellQty": sell_qty,
        "sellAvg": float(sell_avg),
        "sellVal": float(sell_val),
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
        "dayBuyQty": buy_qty,
        "daySellQty": sell_qty,
        "slNo": 0,
    }
