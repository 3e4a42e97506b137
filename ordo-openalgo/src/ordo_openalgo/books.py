"""Reads in OpenAlgo's shapes: order status, open position, books, holdings, funds.

Each answers with the first account's data in OpenAlgo's shape; a key with several accounts
also gets ``results``, one entry per account."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from ordo.domain import AccountResult, Funds, Holding, Order, Position, Trade

from ordo_openalgo import bodies, translate
from ordo_openalgo.common import Services, first_success, per_account
from ordo_openalgo.facade import Facade
from ordo_openalgo.keys import Caller
from ordo_openalgo.orders import locate

Answer = tuple[dict[str, Any], int]


def _with_results(body: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {**body, "results": rows} if len(rows) > 1 else body


def _book(results: Sequence[AccountResult], render: Callable[[Any], Any]) -> Answer:
    """A book read: the first account's rows as OpenAlgo's ``data``, every account's rows in
    ``results``."""
    first = first_success(results)
    return _with_results(
        {"status": "success", "data": render(first.data)},
        per_account(results, render),
    ), 200


async def order_status(
    facade: Facade, svc: Services, caller: Caller, body: bodies.OrderId
) -> Answer:
    account = await locate(svc, svc.accounts(facade.config, caller), body.orderid)
    detail = await svc.lookup.detail(account.name, body.orderid)
    order = Order.model_validate(detail)
    return {"status": "success", "data": translate.order_row(order)}, 200


async def open_position(
    facade: Facade, svc: Services, caller: Caller, body: bodies.OpenPosition
) -> Answer:
    exchange = translate.exchange(body.exchange)
    symbol = translate.symbol(body.symbol)
    accounts = svc.accounts(facade.config, caller)
    results = await svc.reads.positions(accounts)

    def quantity(positions: list[Position]) -> str:
        net = sum(
            p.quantity
            for p in positions
            if p.exchange is exchange and p.symbol == symbol and p.product.value == body.product
        )
        return str(net)

    first = first_success(results)
    return _with_results(
        {"status": "success", "quantity": quantity(first.data)},
        per_account(results, quantity),
    ), 200


def orderbook_data(orders: list[Order]) -> dict[str, Any]:
    return {
        "orders": [translate.order_row(o) for o in orders],
        "statistics": translate.order_statistics(orders),
    }


async def order_book(facade: Facade, svc: Services, caller: Caller, body: bodies.Body) -> Answer:
    return _book(await svc.reads.orders(svc.accounts(facade.config, caller)), orderbook_data)


def tradebook_data(trades: list[Trade]) -> list[dict[str, Any]]:
    return [translate.trade_row(t) for t in trades]


async def trade_book(facade: Facade, svc: Services, caller: Caller, body: bodies.Body) -> Answer:
    return _book(await svc.reads.trades(svc.accounts(facade.config, caller)), tradebook_data)


def positionbook_data(positions: list[Position]) -> list[dict[str, Any]]:
    return [translate.position_row(p) for p in positions]


async def position_book(facade: Facade, svc: Services, caller: Caller, body: bodies.Body) -> Answer:
    return _book(await svc.reads.positions(svc.accounts(facade.config, caller)), positionbook_data)


def holdings_data(holdings: list[Holding]) -> dict[str, Any]:
    return {
        "holdings": [translate.holding_row(h) for h in holdings],
        "statistics": translate.holding_statistics(holdings),
    }


async def holdings(facade: Facade, svc: Services, caller: Caller, body: bodies.Body) -> Answer:
    return _book(await svc.reads.holdings(svc.accounts(facade.config, caller)), holdings_data)


async def funds(facade: Facade, svc: Services, caller: Caller, body: bodies.Body) -> Answer:
    accounts = svc.accounts(facade.config, caller)
    funds_results, position_results = await asyncio.gather(
        svc.reads.funds(accounts), svc.reads.positions(accounts)
    )
    positions = {r.account: r.data for r in position_results if r.data is not None}

    def render(account: str, value: Funds) -> dict[str, str]:
        return translate.funds_data(value, positions.get(account) or [])

    first = first_success(funds_results)
    rows = per_account(funds_results, lambda value: value)
    for row in rows:
        if row["status"] == "success":
            row["data"] = render(row["account"], row["data"])
    return _with_results(
        {"status": "success", "data": render(first.account, first.data)}, rows
    ), 200
