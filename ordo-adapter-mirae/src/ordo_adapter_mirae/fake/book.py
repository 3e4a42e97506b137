"""The fake m.Stock order book: orders with status transitions that fill against each
scrip's last price, trades, positions, holdings and funds. ``fake.state`` adds logins and
limits, ``fake.app`` the HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ordo_adapter_mirae.fake.rows import (
    DERIVATIVE_MARGIN,
    MODIFY_FIELDS,
    NO_ORDER_MESSAGE,
    ORDER_TYPES,
    PLACE_FIELDS,
    PRODUCTS,
    TERMINAL,
    VARIETIES,
    FakeError,
    FakeOrder,
    FakeScrip,
    FakeTrade,
    holding_row,
    load_scrips,
    money,
    position_row,
    trade_row,
)


class OrderBook:
    """One account's book: orders fill against each scrip's last price."""

    def __init__(
        self,
        master_csv: str,
        *,
        available_funds: Decimal,
        first_order_id: int,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.scrips = load_scrips(master_csv)
        self.orders: dict[str, FakeOrder] = {}
        self.trades: list[FakeTrade] = []
        self.available = available_funds
        self.utilised = Decimal(0)
        self.wall_clock = wall_clock
        self._next_order = first_order_id

    def set_last_price(self, exchange: str, tradingsymbol: str, price: Decimal) -> None:
        scrip = self.scrips[(exchange, tradingsymbol)]
        scrip.last_price = price
        for order in list(self.orders.values()):
            if order.scrip is scrip and order.status not in TERMINAL:
                self._match(order)

    # -- portfolio and quotes ----------------------------------------------------------
    def fund_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "ADDITIONAL_MARGIN": "0.00",
                "ADHOC_LIMIT": "0.00",
                "AMOUNT_UTILIZED": money(self.utilised),
                "AVAILABLE_BALANCE": money(self.available - self.utilised),
                "BANK_HOLDING": None,
                "CLEAR_BALANCE": money(self.available),
                "COLLATERALS": "25000.00",
                "LIMIT_SOD": money(self.available),
                "LIMIT_TYPE": "CAPITAL",
                "MF_COLLATERAL": "None",
                "MTF_AVAILABLE_BALANCE": "0.00",
                "MTF_COLLATERAL": "0.00",
                "MTF_UTILIZE": "0.00",
                "MTM_COMBINED": "0.00",
                "OFS_UTILIZED": "0.00",
                "OPT_BUY_PRIMIUM_UTILIZE": "0.00",
                "PAY_OUT_AMT": "0.00",
                "PEAK_MARGIN": "0.00",
                "PHYSICAL_MARGIN": "0.00",
                "REALISED_PROFITS": "0.00",
                "RECEIVABLES": "0.00",
                "SEG": "A",
                "SUM_OF_ALL": money(self.available + Decimal(25000)),
                "UNCLEAR_BALANCE": "0.00",
            }
        ]

    def holdings(self) -> list[dict[str, Any]]:
        sbin = self.scrips[("NSE", "SBIN-EQ")]
        infy = self.scrips[("NSE", "INFY-EQ")]
        return [
            holding_row(sbin, "STATE BANK OF INDIA", "INE062A01020", 10, 0, Decimal("650.00")),
            holding_row(infy, "INFOSYS LIMITED", "INE009A01021", 5, 2, Decimal("1400.00")),
        ]

    def positions(self) -> dict[str, Any]:
        groups: dict[tuple[str, str, str], list[FakeTrade]] = {}
        for trade in self.trades:
            key = (trade.order.scrip.exchange, trade.order.scrip.tradingsymbol, trade.order.product)
            groups.setdefault(key, []).append(trade)
        return {"net": [position_row(trades) for trades in groups.values()], "day": None}

    def quote(self, key: str, with_ohlc: bool) -> dict[str, Any] | None:
        exchange, _, symbol = key.partition(":")
        scrip = self.scrips.get((exchange, symbol))
        if scrip is None:
            return None
        last = scrip.last_price
        entry: dict[str, Any] = {"instrument_token": int(scrip.token), "last_price": float(last)}
        if with_ohlc:
            cent = Decimal("0.01")
            entry["ohlc"] = {
                "open": float(last),
                "high": float((last * Decimal("1.01")).quantize(cent)),
                "low": float((last * Decimal("0.99")).quantize(cent)),
                "close": float((last * Decimal("0.995")).quantize(cent)),
            }
        return entry

    # -- orders -------------------------------------------------------------------------
    def place(self, variety: str, form: dict[str, str]) -> str:
        if variety not in VARIETIES:
            raise FakeError("InputException", f"Invalid variety {variety}", 400)
        for name in PLACE_FIELDS:
            if not form.get(name):
                raise FakeError("InputException", f"{name} is mandatory", 400)
        scrip = self._scrip(form["exchange"], form["tradingsymbol"])
        if not scrip.tradable:
            raise FakeError("InputException", "Scrip is suspended for trading")
        order_type, side = form["order_type"], form["transaction_type"]
        if order_type not in ORDER_TYPES or side not in ("BUY", "SELL"):
            raise FakeError("InputException", "Invalid order type or transaction type", 400)
        if form["product"] not in PRODUCTS or form["validity"] not in ("DAY", "IOC"):
            raise FakeError("InputException", "Invalid product or validity", 400)
        tag = form.get("tag", "")
        if len(tag) >= 20 or (tag and not tag.isalnum()):
            raise FakeError("InputException", "Tag must be alphanumeric, under 20 characters", 400)
        quantity, price, trigger, disclosed = self._numbers(form, scrip, order_type)
        self._next_order += 1
        order = FakeOrder(
            order_id=str(self._next_order),
            scrip=scrip,
            transaction_type=side,
            order_type=order_type,
            quantity=quantity,
            product=form["product"],
            validity=form["validity"],
            price=price,
            trigger_price=trigger,
            disclosed_quantity=disclosed,
            variety=variety,
            tag=tag,
            status="Transit",
            placed_at=self.wall_clock(),
        )
        self.orders[order.order_id] = order
        cost = quantity * (price or trigger or scrip.last_price)
        if scrip.derivative:
            cost *= DERIVATIVE_MARGIN  # futures and options block a margin, not their value
        if side == "BUY" and cost > self.available - self.utilised:
            order.status = "Rejected"
            order.status_message = (
                "RMS:Rule: Check available fund limit, FUND LIMIT INSUFFICIENT, "
                f"AVAILABLE FUND={money(self.available - self.utilised)}, "
                f"ORDER VALUE={money(cost)}"
            )
        elif variety == "amo":
            order.status = "O-Pending"
        else:
            order.status = "Trigger Pending" if order_type in ("SL", "SL-M") else "Pending"
            self._match(order)
        return order.order_id

    def modify(self, order_id: str, form: dict[str, str]) -> str:
        order = self._open_order(order_id)
        for name in MODIFY_FIELDS:
            if name not in form or form[name] == "":
                # m.Stock replaces the whole order: a field left out is an error.
                raise FakeError("InputException", f"{name} is mandatory", 400)
        if form["order_type"] not in ORDER_TYPES or form["validity"] not in ("DAY", "IOC"):
            raise FakeError("InputException", "Invalid order type or validity", 400)
        quantity, price, trigger, disclosed = self._numbers(form, order.scrip, form["order_type"])
        if quantity <= order.filled_quantity:
            raise FakeError("InputException", "Quantity cannot be less than traded quantity", 400)
        order.order_type, order.quantity, order.validity = (
            form["order_type"],
            quantity,
            form["validity"],
        )
        order.price, order.trigger_price, order.disclosed_quantity = price, trigger, disclosed
        order.modified, order.updated_at = True, self.wall_clock()
        if order.variety != "amo":
            order.status = "Trigger Pending" if order.order_type in ("SL", "SL-M") else "Pending"
            self._match(order)
        return order.order_id

    def cancel(self, order_id: str) -> str:
        order = self._open_order(order_id)
        order.status = "Cancelled"
        order.updated_at = self.wall_clock()
        return order.order_id

    def order_rows(self) -> list[dict[str, Any]]:
        return [order.row() for order in self.orders.values()]

    def trade_rows(self) -> list[dict[str, Any]]:
        return [trade_row(trade) for trade in self.trades]

    def _open_order(self, order_id: str) -> FakeOrder:
        order = self.orders.get(order_id)
        if order is None:
            raise FakeError("InputException", NO_ORDER_MESSAGE)
        if order.status in TERMINAL:
            raise FakeError(
                "MiraeException", f"Order is {order.status}.Kindly refresh your OrderBook"
            )
        return order

    def _scrip(self, exchange: str, tradingsymbol: str) -> FakeScrip:
        scrip = self.scrips.get((exchange, tradingsymbol))
        if scrip is None and exchange == "NSE":
            scrip = self.scrips.get((exchange, f"{tradingsymbol}-EQ"))
        if scrip is None:
            raise FakeError("InputException", f"Invalid scrip {exchange}:{tradingsymbol}")
        return scrip

    @staticmethod
    def _numbers(
        form: dict[str, str], scrip: FakeScrip, order_type: str
    ) -> tuple[int, Decimal, Decimal, int]:
        try:
            quantity = int(form["quantity"])
            price = Decimal(form.get("price") or "0")
            trigger = Decimal(form.get("trigger_price") or "0")
            disclosed = int(form.get("disclosed_quantity") or "0")
        except (ValueError, InvalidOperation):
            raise FakeError("InputException", "Invalid numeric value", 400) from None
        if quantity <= 0 or quantity % scrip.lot_size:
            raise FakeError(
                "InputException", f"Quantity must be a multiple of {scrip.lot_size}", 400
            )
        if order_type in ("LIMIT", "SL") and price <= 0:
            raise FakeError("InputException", "Enter valid price.", 400)
        if order_type in ("SL", "SL-M") and trigger <= 0:
            raise FakeError("InputException", "Enter valid trigger price.", 400)
        for value in (price, trigger):
            if value % scrip.tick_size:
                raise FakeError(
                    "InputException",
                    f"Price must be a multiple of tick size {scrip.tick_size}",
                    400,
                )
        return quantity, price, trigger, disclosed

    def _match(self, order: FakeOrder) -> None:
        """Fill a marketable order completely at the last price; fire crossed stops."""
        last = order.scrip.last_price
        buy = order.transaction_type == "BUY"
        if order.status == "Trigger Pending":
            crossed = last >= order.trigger_price if buy else last <= order.trigger_price
            if not crossed:
                return
            order.status = "Triggered"
        limit = order.price if order.order_type in ("LIMIT", "SL") else None
        marketable = limit is None or (last <= limit if buy else last >= limit)
        if not marketable:
            return
        quantity = order.quantity - order.filled_quantity
        order.filled_quantity = order.quantity
        order.average_price = last
        order.status = "Traded"
        order.updated_at = self.wall_clock()
        self.trades.append(
            FakeTrade(
                f"T{order.order_id[-8:]}{len(self.trades):03d}",
                order,
                quantity,
                last,
                self.wall_clock(),
            )
        )
        if buy:
            margin = DERIVATIVE_MARGIN if order.scrip.derivative else Decimal(1)
            self.utilised += quantity * last * margin
