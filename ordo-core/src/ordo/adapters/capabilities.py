"""What an adapter can do. Required capabilities are tested by the compliance suite always,
optional ones when an adapter declares them."""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    FUNDS = "funds"
    HOLDINGS = "holdings"
    POSITIONS = "positions"
    QUOTES = "quotes"
    INSTRUMENTS = "instruments"
    PLACE_ORDER = "place_order"
    CANCEL_ORDER = "cancel_order"
    ORDER_BOOK = "order_book"
    ORDER_TAGS = "order_tags"
    """``find_orders_by_tag`` works: required, it is what makes retries safe."""
    MODIFY_ORDER = "modify_order"
    TRADES = "trades"
    STOP_ORDERS = "stop_orders"
    """SL and SL-M order types."""
    AMO = "amo"
    SESSION_REFRESH = "session_refresh"
    INSTRUMENT_SEARCH = "instrument_search"
    MARGIN = "margin"
    """``required_margin``: the broker's margin calculator, which the pre-trade funds check
    uses instead of price x quantity (wrong for F&O and intraday products)."""
    PROFILE = "profile"
    """``get_profile``: the user's profile at the broker."""
    ORDER_HISTORY = "order_history"
    """``get_order_history``: the broker's status trail of one order."""
    EXIT_POSITIONS = "exit_positions"
    """``exit_orders``: the orders that flatten open net positions, placed through the
    order path (``POST /api/v1/positions/exit``)."""
    ALGO_ID = "algo_id"
    """``place_algo_order``: the broker takes an algo name or id with an order (Upstox's
    ``X-Algo-Name`` header is one such field). Without it the token's algo metadata stays
    in Ordo's ledger and audit only."""


REQUIRED_CAPABILITIES: frozenset[Capability] = frozenset(
    {
        Capability.FUNDS,
        Capability.HOLDINGS,
        Capability.POSITIONS,
        Capability.QUOTES,
        Capability.INSTRUMENTS,
        Capability.PLACE_ORDER,
        Capability.CANCEL_ORDER,
        Capability.ORDER_BOOK,
        Capability.ORDER_TAGS,
    }
)
OPTIONAL_CAPABILITIES: frozenset[Capability] = frozenset(Capability) - REQUIRED_CAPABILITIES
