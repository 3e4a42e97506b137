"""Order writes: place, smart, basket, split, modify, cancel, cancel all (closing positions
is ``exits``).

Every order goes through Ordo's ``PlacementService`` or ``OrderChanges``: kill switch,
pre-trade checks, limits, ledger and audit apply exactly as on ``/api/v1/orders``.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from ordo.domain import OrderRequest, Position, ResultStatus, Side
from ordo.errors import OrdoError
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.unit_of_work import Ticket

from ordo_openalgo import bodies
from ordo_openalgo.common import Leg, Services, answer, first_success, legs_of
from ordo_openalgo.errors import FacadeError, from_ordo
from ordo_openalgo.facade import Facade
from ordo_openalgo.keys import Caller

Answer = tuple[dict[str, Any], int]


def _sub(ticket: Ticket, suffix: str) -> Ticket:
    """A part of one request (a basket leg, a split slice, one account's smart order)."""
    return replace(ticket, key=f"{ticket.key}:{suffix}" if ticket.key else None)


async def place_legs(
    svc: Services, accounts: list[str], order: OrderRequest, ticket: Ticket
) -> list[Leg]:
    """One placement's legs; a refusal of the whole request (kill switch, a key reused with
    another body) is every account's error, so the other parts of a basket or split still
    get their own answer."""
    try:
        return legs_of(await svc.placement.place(accounts, order, ticket))
    except OrdoError as exc:
        error = from_ordo(exc)
        return [
            Leg(name, ok=False, message=error.message, http_status=error.http_status)
            for name in accounts
        ]


async def place(
    facade: Facade, svc: Services, caller: Caller, body: bodies.PlaceOrder, ticket: Ticket
) -> Answer:
    accounts = svc.accounts(facade.config, caller)
    order = body.order()
    reply = await svc.placement.place([a.name for a in accounts], order, ticket)
    _count(caller)
    return answer(legs_of(reply), window=facade.config.duplicate_window_seconds)


def _count(caller: Caller) -> None:
    if caller.analyze:
        caller.analyzer_orders += 1


def net_quantity(positions: list[Position], order: OrderRequest) -> int:
    return sum(
        p.quantity
        for p in positions
        if p.exchange is order.exchange and p.symbol == order.symbol and p.product is order.product
    )


async def smart(
    facade: Facade, svc: Services, caller: Caller, body: bodies.SmartOrder, ticket: Ticket
) -> Answer:
    """Move each account's net position to ``position_size``: the order is the difference,
    read and placed under the position's lock."""
    accounts = svc.accounts(facade.config, caller)
    template = body.order(quantity=max(body.quantity, 1))
    legs = await asyncio.gather(
        *(_smart_leg(facade, svc, a, template, body.position_size, ticket) for a in accounts)
    )
    _count(caller)
    return answer(legs, window=facade.config.duplicate_window_seconds)


async def _smart_leg(
    facade: Facade,
    svc: Services,
    account: Account,
    template: OrderRequest,
    target: int,
    ticket: Ticket,
) -> Leg:
    lock = facade.position_lock(
        account.name, template.exchange.value, template.symbol, template.product.value
    )
    async with lock:
        try:
            read = first_success(await svc.reads.positions([account]))
        except FacadeError as exc:
            return Leg(account.name, ok=False, message=exc.message, http_status=exc.http_status)
        current = net_quantity(read.data, template)
        delta = target - current
        if delta == 0:
            return Leg(
                account.name,
                ok=True,
                message=f"no order: the position is already {current}",
            )
        order = template.model_copy(
            update={"side": Side.BUY if delta > 0 else Side.SELL, "quantity": abs(delta)}
        )
        legs = await place_legs(svc, [account.name], order, _sub(ticket, account.name))
        return legs[0]


async def basket(
    facade: Facade, svc: Services, caller: Caller, body: bodies.BasketOrder, ticket: Ticket
) -> Answer:
    accounts = [a.name for a in svc.accounts(facade.config, caller)]
    orders = [leg.order() for leg in body.orders]
    placed = await asyncio.gather(
        *(
            place_legs(svc, accounts, order, _sub(ticket, f"leg{index}"))
            for index, order in enumerate(orders)
        )
    )
    results = []
    duplicate = False
    failure = 400
    for order, legs in zip(orders, placed, strict=True):
        duplicate = duplicate or any(leg.duplicate for leg in legs)
        first = legs[0]
        failure = first.http_status if not first.ok and failure == 400 else failure
        row: dict[str, Any] = {
            "symbol": order.symbol,
            **first.row(),
            "accounts": [g.row() for g in legs],
        }
        results.append(row)
    _count(caller)
    ok = sum(1 for r in results if r["status"] == "success")
    status = "success" if ok == len(results) else "partial" if ok else "error"
    response: dict[str, Any] = {"status": status, "results": results}
    if duplicate:
        response["duplicate"] = True
    if not ok:
        response["message"] = "no order of the basket was placed"
    return response, 200 if ok else failure


async def split(
    facade: Facade, svc: Services, caller: Caller, body: bodies.SplitOrder, ticket: Ticket
) -> Answer:
    if body.splitsize > body.quantity:
        raise FacadeError("splitsize must not exceed quantity")
    sizes = [body.splitsize] * (body.quantity // body.splitsize)
    if body.quantity % body.splitsize:
        sizes.append(body.quantity % body.splitsize)
    if len(sizes) > 100:
        raise FacadeError("a split order makes at most 100 orders; raise splitsize")
    accounts = [a.name for a in svc.accounts(facade.config, caller)]
    results = []
    duplicate = False
    failure = 400
    for number, size in enumerate(sizes, start=1):
        legs = await place_legs(
            svc, accounts, body.order(quantity=size), _sub(ticket, f"part{number}")
        )
        duplicate = duplicate or any(leg.duplicate for leg in legs)
        failure = legs[0].http_status if not legs[0].ok and failure == 400 else failure
        results.append({"order_num": number, "quantity": size, **legs[0].row()})
    _count(caller)
    ok = sum(1 for r in results if r["status"] == "success")
    response: dict[str, Any] = {
        "status": "success" if ok == len(results) else "partial" if ok else "error",
        "split_size": body.splitsize,
        "total_quantity": body.quantity,
        "results": results,
    }
    if duplicate:
        response["duplicate"] = True
    return response, 200 if ok else failure


async def locate(svc: Services, accounts: list[Account], order_id: str) -> Account:
    """The account holding ``order_id``: the only one, or the one whose order book has it."""
    if len(accounts) == 1:
        return accounts[0]
    for result in await svc.reads.orders(accounts):
        if result.status is ResultStatus.SUCCESS and any(
            o.order_id == order_id for o in result.data
        ):
            return svc.placement.accounts.get(result.account)
    raise FacadeError(f"order {order_id} was not found on this apikey's accounts", 404)


async def modify(
    facade: Facade, svc: Services, caller: Caller, body: bodies.ModifyOrder, ticket: Ticket
) -> Answer:
    account = await locate(svc, svc.accounts(facade.config, caller), body.orderid)
    reply = await svc.changes.modify(account.name, body.orderid, body.changes(), ticket)
    legs = legs_of(reply)
    legs = [replace(leg, orderid=body.orderid) if leg.ok else leg for leg in legs]
    return answer(legs, window=facade.config.duplicate_window_seconds)


async def cancel(
    facade: Facade, svc: Services, caller: Caller, body: bodies.OrderId, ticket: Ticket
) -> Answer:
    account = await locate(svc, svc.accounts(facade.config, caller), body.orderid)
    reply = await svc.changes.cancel(account.name, body.orderid, ticket)
    legs = [replace(leg, orderid=body.orderid) if leg.ok else leg for leg in legs_of(reply)]
    return answer(legs, window=facade.config.duplicate_window_seconds)


async def cancel_all(
    facade: Facade, svc: Services, caller: Caller, body: bodies.Body, ticket: Ticket
) -> Answer:
    accounts = svc.accounts(facade.config, caller)
    results = await svc.changes.cancel_all_open(accounts)
    cancelled: list[str] = []
    failed: list[dict[str, Any]] = []
    rows = []
    for result in results:
        if result.status is ResultStatus.SUCCESS:
            cancelled.extend(result.data["cancelled"])
            failed.extend({"account": result.account, **f} for f in result.data["failed"])
            rows.append({"account": result.account, "status": "success", **result.data})
        else:
            rows.append(
                {
                    "account": result.account,
                    "status": "error",
                    "message": f"{result.error_code}: {result.message}",
                }
            )
    return {
        "status": "success" if all(r["status"] == "success" for r in rows) else "partial",
        "canceled_orders": cancelled,
        "failed_cancellations": failed,
        "message": f"Canceled {len(cancelled)} orders. Failed to cancel {len(failed)} orders.",
        "results": rows,
    }, 200
