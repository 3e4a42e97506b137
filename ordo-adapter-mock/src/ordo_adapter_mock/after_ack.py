"""What a real broker does to an order after acknowledging it, on demand: the risk system
rejects it (an RMS rule applied after the ack), it fills partly, or the day ends and it
expires. Tests and the order-event benchmarks drive these; the order watcher then sees the
change in the book."""

from __future__ import annotations

from decimal import Decimal

from ordo.domain import Order, OrderStatus, Trade

from ordo_adapter_mock.book import BookEntry
from ordo_adapter_mock.broker import PaperBroker

DAY_END = "expired at the end of the trading day"


def _open_entry(broker: PaperBroker, order_id: str) -> BookEntry:
    entry = broker.book.get(order_id)
    if entry.order.status.is_terminal:
        raise ValueError(f"order {order_id} is {entry.order.status.value}, not open")
    return entry


def reject_after_ack(broker: PaperBroker, order_id: str, reason: str) -> Order:
    """The broker's risk system rejects an acknowledged, open order with ``reason``."""
    entry = _open_entry(broker, order_id)
    broker.book.close(entry)
    broker.book.update(entry, status=OrderStatus.REJECTED, status_message=reason)
    return entry.order


def fill_partly(broker: PaperBroker, order_id: str, quantity: int, price: Decimal) -> Order:
    """``quantity`` more of an open order trades at ``price``; the order stays open until
    all of it has traded (then it is ``FILLED``)."""
    entry = _open_entry(broker, order_id)
    order = entry.order
    if quantity <= 0 or order.filled_quantity + quantity > order.quantity:
        raise ValueError(f"cannot fill {quantity} of order {order_id}")
    broker.ledger.apply_fill(
        entry.key, order.side, order.product, quantity, price, entry.instrument.isin
    )
    broker.book.add_trade(
        Trade(
            trade_id=broker.book.next_trade_id(),
            order_id=order.order_id,
            exchange=order.exchange,
            symbol=order.symbol,
            side=order.side,
            quantity=quantity,
            price=price,
            product=order.product,
            traded_at=broker.clock(),
            tag=order.tag,
        )
    )
    filled = order.filled_quantity + quantity
    previous = (order.average_price or Decimal(0)) * order.filled_quantity
    average = (previous + price * quantity) / filled
    done = filled == order.quantity
    if done:
        broker.book.close(entry)
    broker.book.update(
        entry,
        filled_quantity=filled,
        average_price=average.quantize(Decimal("0.0001")),
        status=OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED,
        status_message="filled" if done else "partly filled",
    )
    return entry.order


def expire_day(broker: PaperBroker) -> list[Order]:
    """The trading day ends: every open DAY order expires (AMOs wait for the next day)."""
    expired = []
    for entry in broker.book.open_entries():
        if entry.awaiting_session:
            continue
        broker.book.close(entry)
        broker.book.update(entry, status=OrderStatus.EXPIRED, status_message=DAY_END)
        expired.append(entry.order)
    return expired
