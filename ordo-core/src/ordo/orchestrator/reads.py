"""Read operations fanned out over accounts: funds, portfolio, books, quotes, instruments."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import InstrumentNotFound, UnsupportedOperation
from ordo.domain import (
    AccountResult,
    Funds,
    Holding,
    Position,
    Quote,
    ResultStatus,
    SymbolError,
    SymbolRef,
)
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.fanout import fan_out
from ordo.orchestrator.guard import CallGuard, CallKind

T = TypeVar("T")


def require(account: Account, capability: Capability) -> None:
    if not account.adapter.supports(capability):
        raise UnsupportedOperation(
            f"adapter {account.adapter_id!r} of account {account.name!r} does not support "
            f"{capability.value}"
        )


class ReadService:
    """Reads across accounts; each leg goes through the gateway."""

    def __init__(self, gateway: CallGuard) -> None:
        self.gateway = gateway

    async def _read(
        self,
        account: Account,
        capability: Capability,
        operation: str,
        fn: Callable[[], Awaitable[T]],
        kind: CallKind = CallKind.READ,
    ) -> T:
        require(account, capability)
        return await self.gateway.call(account, operation, fn, kind=kind)

    async def funds(self, accounts: Sequence[Account]) -> list[AccountResult]:
        return await fan_out(
            accounts, lambda a: self._read(a, Capability.FUNDS, "get_funds", a.adapter.get_funds)
        )

    async def holdings(self, accounts: Sequence[Account]) -> list[AccountResult]:
        return await fan_out(
            accounts,
            lambda a: self._read(a, Capability.HOLDINGS, "get_holdings", a.adapter.get_holdings),
        )

    async def positions(self, accounts: Sequence[Account]) -> list[AccountResult]:
        return await fan_out(
            accounts,
            lambda a: self._read(a, Capability.POSITIONS, "get_positions", a.adapter.get_positions),
        )

    async def orders(self, accounts: Sequence[Account]) -> list[AccountResult]:
        return await fan_out(
            accounts,
            lambda a: self._read(a, Capability.ORDER_BOOK, "list_orders", a.adapter.list_orders),
        )

    async def trades(self, accounts: Sequence[Account]) -> list[AccountResult]:
        return await fan_out(
            accounts,
            lambda a: self._read(a, Capability.TRADES, "get_trades", a.adapter.get_trades),
        )

    async def profiles(self, accounts: Sequence[Account]) -> list[AccountResult]:
        return await fan_out(
            accounts,
            lambda a: self._read(a, Capability.PROFILE, "get_profile", a.adapter.get_profile),
        )

    async def quotes(
        self, accounts: Sequence[Account], refs: Sequence[SymbolRef]
    ) -> list[AccountResult]:
        """Each account's quotes; a symbol its broker does not know becomes a
        ``SymbolError`` row of that account's batch instead of failing the account."""

        async def one(account: Account) -> list[Quote | SymbolError]:
            require(account, Capability.QUOTES)
            known, unknown = await split_known(account, refs)
            if not known:
                return list(unknown)
            quotes = await self._read(
                account,
                Capability.QUOTES,
                "get_quotes",
                lambda: account.adapter.get_quotes(known),
                CallKind.QUOTE,
            )
            return [*quotes, *unknown]

        return await fan_out(accounts, one)

    async def search(
        self, accounts: Sequence[Account], query: str, limit: int
    ) -> list[AccountResult]:
        return await fan_out(
            accounts,
            lambda a: self._read(
                a,
                Capability.INSTRUMENT_SEARCH,
                "search_instruments",
                lambda: a.adapter.search_instruments(query, limit),
            ),
        )

    async def portfolio(
        self, accounts: Sequence[Account]
    ) -> tuple[list[AccountResult], dict[str, Any]]:
        """Per-account funds, holdings and positions, plus a consolidated view."""

        async def one(account: Account) -> dict[str, Any]:
            funds, holdings, positions = await asyncio.gather(
                self._read(account, Capability.FUNDS, "get_funds", account.adapter.get_funds),
                self._read(
                    account, Capability.HOLDINGS, "get_holdings", account.adapter.get_holdings
                ),
                self._read(
                    account, Capability.POSITIONS, "get_positions", account.adapter.get_positions
                ),
            )
            return {"funds": funds, "holdings": holdings, "positions": positions}

        results = await fan_out(accounts, one)
        return results, consolidate(results)


async def split_known(
    account: Account, refs: Sequence[SymbolRef]
) -> tuple[list[SymbolRef], list[SymbolError]]:
    """The symbols the account's instrument master knows, and an error for each other."""
    known: list[SymbolRef] = []
    unknown: list[SymbolError] = []
    for ref in refs:
        try:
            await account.adapter.get_instrument(ref)
        except InstrumentNotFound as exc:
            unknown.append(
                SymbolError(
                    exchange=ref.exchange,
                    symbol=ref.symbol,
                    error_code=exc.code,
                    message=exc.message,
                )
            )
        else:
            known.append(ref)
    return known, unknown


def consolidate(results: Sequence[AccountResult]) -> dict[str, Any]:
    """Sum funds and list holdings and positions across the accounts that answered, each
    row annotated with its account."""
    available = used = total = Decimal(0)
    holdings: list[dict[str, Any]] = []
    positions: list[dict[str, Any]] = []
    for result in results:
        if result.status is not ResultStatus.SUCCESS:
            continue
        funds: Funds = result.data["funds"]
        available += funds.available
        used += funds.used
        total += funds.total
        holding: Holding
        for holding in result.data["holdings"]:
            holdings.append({"account": result.account, **holding.model_dump(mode="json")})
        position: Position
        for position in result.data["positions"]:
            positions.append({"account": result.account, **position.model_dump(mode="json")})
    return {
        "funds": {"available": str(available), "used": str(used), "total": str(total)},
        "holdings": holdings,
        "positions": positions,
        "accounts": [r.account for r in results if r.status is ResultStatus.SUCCESS],
    }
