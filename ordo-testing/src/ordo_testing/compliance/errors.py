"""Errors area: the broker's failures arrive as the right ``BrokerError`` class."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from ordo.adapters.base import BrokerAdapter
from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import (
    InstrumentNotFound,
    InvalidRequest,
    OrderRejected,
    RateLimited,
    SessionExpired,
    UnsupportedOperation,
)
from ordo.domain import Exchange, Funds, OrderModification, OrderRequest, Side
from ordo.domain.algo import AlgoTag

from ordo_testing.compliance.checks import (
    assert_domain,
    make_tag,
    require,
    resting_buy,
    verifies,
)
from ordo_testing.harness import AdapterHarness, SampleInstruments

_Call = Callable[[BrokerAdapter, SampleInstruments], Awaitable[Any]]

READ_CALLS: dict[str, _Call] = {
    "get_funds": lambda a, s: a.get_funds(),
    "get_holdings": lambda a, s: a.get_holdings(),
    "get_positions": lambda a, s: a.get_positions(),
    "get_quotes": lambda a, s: a.get_quotes([s.equity]),
    "list_orders": lambda a, s: a.list_orders(),
}
"""Reads every adapter must support; each must notice an expired token."""

OPTIONAL_CALLS: dict[Capability, Callable[[BrokerAdapter], Awaitable[Any]]] = {
    Capability.MODIFY_ORDER: lambda a: a.modify_order("1", OrderModification(quantity=1)),
    Capability.TRADES: lambda a: a.get_trades(),
    Capability.INSTRUMENT_SEARCH: lambda a: a.search_instruments("SBIN"),
    Capability.SESSION_REFRESH: lambda a: a.refresh(a.require_session()),
    Capability.PROFILE: lambda a: a.get_profile(),
    Capability.MARGIN: lambda a: a.required_margin(
        OrderRequest(exchange=Exchange.NSE, symbol="SBIN", side=Side.BUY, quantity=1)
    ),
    Capability.ORDER_HISTORY: lambda a: a.get_order_history("1"),
    Capability.EXIT_POSITIONS: lambda a: _exit_orders(a),
    Capability.ALGO_ID: lambda a: a.place_algo_order(
        OrderRequest(exchange=Exchange.NSE, symbol="SBIN", side=Side.BUY, quantity=1),
        "ALGOCHECK1",
        AlgoTag("compliance check", None),
    ),
}
"""Optional operations that must raise ``UnsupportedOperation`` when not declared."""


async def _exit_orders(adapter: BrokerAdapter) -> Any:
    # ``exit_orders`` is synchronous (it maps positions, no broker call).
    return adapter.exit_orders([])


@pytest.mark.asyncio
class ErrorsSuite:
    """Expiry, rate limits, unknown instruments and undeclared operations."""

    @verifies("errors")
    @pytest.mark.parametrize("call", sorted(READ_CALLS))
    async def test_expired_token_on_every_read_raises_session_expired(
        self,
        harness: AdapterHarness,
        adapter: BrokerAdapter,
        samples: SampleInstruments,
        call: str,
    ) -> None:
        harness.expire_sessions()
        with pytest.raises(SessionExpired):
            await READ_CALLS[call](adapter, samples)

    @verifies("errors")
    async def test_expired_token_refuses_an_order(
        self,
        harness: AdapterHarness,
        adapter: BrokerAdapter,
        samples: SampleInstruments,
        request: pytest.FixtureRequest,
    ) -> None:
        harness.expire_sessions()
        with pytest.raises(SessionExpired):
            await adapter.place_order(resting_buy(samples), make_tag(request.node.nodeid))

    @verifies("errors")
    async def test_rate_limit_reply_raises_rate_limited_with_a_retry_time(
        self, harness: AdapterHarness, adapter: BrokerAdapter
    ) -> None:
        harness.rate_limit_next(retry_after=2.0)
        with pytest.raises(RateLimited) as info:
            await adapter.get_funds()
        assert info.value.retry_after > 0, "RateLimited.retry_after must be positive"
        assert info.value.retryable, "RateLimited must stay retryable"
        # Only the next call was limited: the adapter must not stay broken.
        assert_domain(await adapter.get_funds(), Funds)

    @verifies("errors")
    async def test_rate_limited_order_is_not_placed(
        self,
        harness: AdapterHarness,
        adapter: BrokerAdapter,
        samples: SampleInstruments,
        request: pytest.FixtureRequest,
    ) -> None:
        require(adapter, Capability.ORDER_TAGS)
        tag = make_tag(request.node.nodeid)
        harness.rate_limit_next(retry_after=1.0)
        with pytest.raises(RateLimited) as info:
            await adapter.place_order(resting_buy(samples), tag)
        assert info.value.retry_after > 0, "RateLimited.retry_after must be positive"
        assert await adapter.find_orders_by_tag(tag) == [], (
            "a rate-limited order reached the book: RateLimited means it did not take effect"
        )

    @verifies("errors")
    async def test_order_for_unknown_instrument_raises_instrument_not_found(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        order = resting_buy(
            samples, exchange=samples.unknown.exchange, symbol=samples.unknown.symbol
        )
        with pytest.raises(InstrumentNotFound):
            await adapter.place_order(order, make_tag(request.node.nodeid))

    @verifies("errors")
    async def test_order_for_untradable_instrument_is_refused(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        if samples.untradable is None:
            pytest.skip("the harness names no untradable sample")
        order = resting_buy(
            samples, exchange=samples.untradable.exchange, symbol=samples.untradable.symbol
        )
        with pytest.raises((InvalidRequest, OrderRejected)):
            await adapter.place_order(order, make_tag(request.node.nodeid))

    @verifies("errors")
    @pytest.mark.parametrize("capability", sorted(OPTIONAL_CALLS, key=str))
    async def test_undeclared_operation_raises_unsupported(
        self, adapter: BrokerAdapter, capability: Capability
    ) -> None:
        if capability in type(adapter).capabilities:
            pytest.skip(f"{capability.value} is declared; the capability's own tests apply")
        with pytest.raises(UnsupportedOperation):
            await OPTIONAL_CALLS[capability](adapter)
