"""No naked market orders: a leg's MARKET or SL-M order in the form its broker is sent.

An adapter declares how its broker takes them (``BrokerAdapter.market_protection``): with
the broker's own protection field, or as a protected LIMIT (SL-M: SL) that Ordo prices from
a fresh quote (SL-M: from its trigger) and the percentage, rounded to the instrument's tick
(``ordo.domain.protection``). The percentage is the request's, else the configured default.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ordo.domain import OrderRequest, OrderType, Quote, Rejection, SymbolRef
from ordo.domain.protection import (
    MarketProtection,
    SentForm,
    as_protected_limit,
    is_naked,
    with_protection_field,
)
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.guard import CallKind
from ordo.orchestrator.pretrade import PreTrade
from ordo.safety.deadline import Deadline

DEFAULT_PROTECTION_PCT = Decimal("2")


@dataclass(frozen=True)
class Protected:
    """The order to send and, for a MARKET or SL-M order, what form it was sent in."""

    order: OrderRequest
    sent: SentForm | None = None


class MarketProtector:
    """Turns a leg's MARKET or SL-M order into its protected form."""

    def __init__(self, pretrade: PreTrade, default_pct: Decimal = DEFAULT_PROTECTION_PCT) -> None:
        self.pretrade = pretrade
        self.default_pct = default_pct

    async def protect(
        self, account: Account, order: OrderRequest, deadline: Deadline
    ) -> Protected | Rejection:
        """The order as it must be sent, or why it cannot be protected (never sent then)."""
        if not is_naked(order):
            return Protected(order)
        pct = order.market_protection_pct or self.default_pct
        if account.adapter.market_protection is MarketProtection.FIELD:
            sent, form = with_protection_field(order, pct)
            return Protected(sent, form)
        instrument = await self.pretrade.instrument(account, order, deadline)
        if instrument is None:
            return Rejection(
                code="INSTRUMENT_NOT_FOUND",
                message=f"{order.exchange}:{order.symbol} is not in {account.name}'s "
                "instrument master, so a market order cannot be priced to its tick",
                check="market_protection",
            )
        if order.order_type is OrderType.SL_M and order.trigger_price is not None:
            # A stop-market order trades once its trigger is hit: protect from there.
            reference: Decimal | None = order.trigger_price
        else:
            reference = await self._last_price(account, order, deadline)
        if reference is None or reference <= 0:
            return Rejection(
                code="NO_QUOTE",
                message=f"no last price for {order.exchange}:{order.symbol} from "
                f"{account.name}, so the market order cannot be protected; send a LIMIT order",
                check="market_protection",
            )
        sent, form = as_protected_limit(order, reference, pct, instrument.tick_size)
        return Protected(sent, form)

    async def _last_price(
        self, account: Account, order: OrderRequest, deadline: Deadline
    ) -> Decimal | None:
        ref = SymbolRef(exchange=order.exchange, symbol=order.symbol)
        quotes: list[Quote] = await self.pretrade.read(
            account,
            "get_quotes",
            lambda: account.adapter.get_quotes([ref]),
            deadline,
            CallKind.QUOTE,
        )
        for quote in quotes:
            if quote.symbol == ref.symbol:
                return quote.last_price
        # One quote for one symbol asked: it is that symbol's, however the broker spells it.
        return quotes[0].last_price if len(quotes) == 1 else None
