"""Exchange segments: the unit the exchanges' order-rate rule counts in.

Since April 2026 an exchange rejects more than 10 orders per second from one client in one
segment (``../shared/brokers/regulation.md``); Ordo keeps every account under a ceiling per
segment (``ordo.safety.order_ceiling``). Ordo's ``Exchange`` names already separate cash
from derivatives (``NSE`` and ``NFO``), so the segment follows from the exchange; a
derivative instrument type listed under a cash exchange name still counts in that
exchange's derivatives segment. Index "exchanges" are not traded: an order there counts in
the cash segment of the index's exchange (never in no segment at all).
"""

from __future__ import annotations

from enum import StrEnum

from ordo.domain.enums import Exchange, InstrumentType

REGULATORY_ORDERS_PER_SECOND = 10
"""The exchanges' threshold per client and segment (above it an algo must be registered)."""


class Segment(StrEnum):
    """An exchange segment, as the regulator counts orders."""

    NSE_CASH = "NSE_CM"
    NSE_FO = "NSE_FO"
    NSE_CURRENCY = "NSE_CD"
    BSE_CASH = "BSE_CM"
    BSE_FO = "BSE_FO"
    MCX = "MCX_CO"


_BY_EXCHANGE: dict[Exchange, Segment] = {
    Exchange.NSE: Segment.NSE_CASH,
    Exchange.NSE_INDEX: Segment.NSE_CASH,
    Exchange.NFO: Segment.NSE_FO,
    Exchange.CDS: Segment.NSE_CURRENCY,
    Exchange.BSE: Segment.BSE_CASH,
    Exchange.BSE_INDEX: Segment.BSE_CASH,
    Exchange.BFO: Segment.BSE_FO,
    Exchange.MCX: Segment.MCX,
}
_DERIVATIVES = frozenset({InstrumentType.FUTURE, InstrumentType.CALL, InstrumentType.PUT})
_DERIVATIVES_OF = {Segment.NSE_CASH: Segment.NSE_FO, Segment.BSE_CASH: Segment.BSE_FO}


def segment_of(exchange: Exchange, instrument_type: InstrumentType | None = None) -> Segment:
    """The segment an order on ``exchange`` (for an instrument of ``instrument_type``, when
    known) counts in."""
    segment = _BY_EXCHANGE[exchange]
    if instrument_type in _DERIVATIVES:
        return _DERIVATIVES_OF.get(segment, segment)
    return segment


def segment_named(exchange: str | None) -> Segment | None:
    """The segment of an exchange given as text (a stored request, a broker's order), or
    ``None`` when the text names no exchange Ordo knows."""
    if exchange is None:
        return None
    try:
        return segment_of(Exchange(exchange.upper()))
    except ValueError:
        return None
