"""The fake's in-memory trading state: order book with status transitions, trades,
positions, holdings and fund lines, shaped like Fyers' replies (fact sheet §3, §4)."""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ordo.adapters.clock import IST

from ordo_adapter_fyers.fake.master import FakeSymbol

CANCELLED, TRADED, TRANSIT, REJECTED, PENDING = 1, 2, 4, 5, 6
LIMIT, MARKET, STOP_MARKET, STOP_LIMIT = 1, 2, 3, 4
PRODUCTS = ("CNC", "INTRADAY", "MARGIN", "CO", "BO", "MTF")
_TAG = re.compile(r"^[A-Za-z0-9]{1,30}$")
_MARGIN_RATE = {"CNC": Decimal(1), "MTF": Decimal("0.5")}
_INTRADAY_RATE = Decimal("0.2")


class BookError(Exception):
    """A refusal with a Fyers error code (and the order id when one was recorded)."""

    def __init__(self, code: int, message: str, order_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.order_id = order_id


@dataclass
class FakeOrder:
    id: str
    symbol: FakeSymbol
    qty: int
    type: int
    side: int
    product: str
    limit: Decimal
    stop: Decimal
    validity: str
    disclosed: int
    offline: bool
    tag: str | None
    placed_at: datetime
    status: int = TRANSIT
    filled: int = 0
    traded_price: Decimal = Decimal(0)
    message: str = ""
    id_fyers: str = field(default_factory=lambda: str(uuid.uuid4()))

    def as_fyers(self, ltp: Decimal) -> dict[str, Any]:
        return {
            "id": self.id,
            "id_fyers": self.id_fyers,
            "exchOrdId": f"1100000{self.id[-8:]}" if self.status != REJECTED else "",
            "clientId": "FAKE01",
            "symbol": self.symbol.ticker,
            "ex_sym": self.symbol.underlying,
            "description": self.symbol.name,
            "qty": self.qty,
            "filledQty": self.filled,
            "remainingQuantity": self.qty - self.filled,
            "disclosedQty": self.disclosed,
            "dqQtyRem": self.disclosed,
            "limitPrice": float(self.limit),
            "stopPrice": float(self.stop),
            "tradedPrice": float(self.traded_price),
            "type": self.type,
            "side": self.side,
            "productType": self.product,
            "orderValidity": self.validity,
            "status": self.status,
            "message": self.message,
            "orderDateTime": fyers_time(self.placed_at),
            "offlineOrder": self.offline,
            "source": "ITS",
            "segment": self.symbol.segment,
            "exchange": self.symbol.exchange,
            "instrument": self.symbol.inst_type,
            "fyToken": self.symbol.fytoken,
            "parentId": "",
            "orderTag": f"1:{self.tag}" if self.tag else "2:Untagged",
            "orderNumStatus": f"{self.id}:{self.status}",
            "slNo": 0,
            "pan": "",
            "ch": 0.0,
            "chp": 0.0,
            "lp": float(ltp),
        }


@dataclass
class FakeTrade:
    number: str
    order: FakeOrder
    qty: int
    price: Decimal
    at: datetime

    def as_fyers(self) -> dict[str, Any]:
        value = self.price * self.qty
        return {
            "clientId": "FAKE01",
            "orderDateTime": fyers_time(self.at),
            "orderNumber": self.order.id,
            "exchangeOrderNo": f"1100000{self.order.id[-8:]}",
            "tradeNumber": self.number,
            "row": int(self.number[-4:]),
            "symbol": self.order.symbol.ticker,
            "side": self.order.side,
            "orderType": self.order.type,
            "productType": self.order.product,
            "tradedQty": self.qty,
            "tradePrice": float(self.price),
            "tradeValue": float(value),
            "exchange": self.order.symbol.exchange,
            "segment": self.order.symbol.segment,
            "fyToken": self.order.symbol.fytoken,
            "orderTag": f"1:{self.order.tag}" if self.order.tag else "2:Untagged",
        }


def fyers_time(moment: datetime) -> str:
    """``09-Mar-2023 09:34:38`` in IST, the format of ``orderDateTime``."""
    return moment.astimezone(IST).strftime("%d-%b-%Y %H:%M:%S")


def _multiple(value: Decimal, step: Decimal) -> bool:
    return step > 0 and (value % step) == 0


class OrderBook:
    """Orders, fills and the derived portfolio of one fake user."""

    def __init__(
        self,
        symbols: dict[str, FakeSymbol],
        cash: Decimal = Decimal(1_000_000),
        collateral: Decimal = Decimal(50_000),
    ) -> None:
        self.symbols = symbols
        self.prices = {ticker: s.price for ticker, s in symbols.items()}
        self.cash = cash
        self.collateral = collateral
        self.orders: dict[str, FakeOrder] = {}
        self.trades: list[FakeTrade] = []
        self.holdings: list[tuple[str, int, Decimal]] = [("NSE:SBIN-EQ", 10, Decimal("550.00"))]
        self._ids = itertools.count(1)
        self._trade_ids = itertools.count(1)

    # -- order entry ---------------------------------------------------------------------
    def place(self, body: dict[str, Any], now: datetime | None = None) -> FakeOrder:
        """Validate and record an order (status 4, transit). Raises ``BookError``."""
        moment = now or datetime.now(UTC)
        symbol = self.symbols.get(str(body.get("symbol", "")).upper())
        if symbol is None:
            raise BookError(-300, "Invalid symbol provided")
        qty, otype, side = _int(body.get("qty")), _int(body.get("type")), _int(body.get("side"))
        product = str(body.get("productType", ""))
        validity = str(body.get("validity", ""))
        limit, stop = _dec(body.get("limitPrice")), _dec(body.get("stopPrice"))
        tag = body.get("orderTag")
        if otype not in (LIMIT, MARKET, STOP_MARKET, STOP_LIMIT):
            raise BookError(-101, "Invalid order type")
        if side not in (1, -1):
            raise BookError(-313, "Invalid side")
        if product not in PRODUCTS:
            raise BookError(-314, "Invalid productType")
        if validity not in ("DAY", "IOC"):
            raise BookError(-326, "Invalid validity")
        if qty <= 0 or qty % symbol.lot_size:
            raise BookError(-50, f"Invalid qty: must be a multiple of lot size {symbol.lot_size}")
        if tag is not None and (not isinstance(tag, str) or not _TAG.match(tag)):
            raise BookError(-50, "Invalid orderTag: 1-30 alphanumeric characters")
        self._check_prices(otype, side, limit, stop, symbol)
        order = FakeOrder(
            id=self._new_id(moment),
            symbol=symbol,
            qty=qty,
            type=otype,
            side=side,
            product=product,
            limit=limit if otype in (LIMIT, STOP_LIMIT) else Decimal(0),
            stop=stop if otype in (STOP_MARKET, STOP_LIMIT) else Decimal(0),
            validity=validity,
            disclosed=_int(body.get("disclosedQty")),
            offline=bool(body.get("offlineOrder")),
            tag=tag,
            placed_at=moment,
        )
        self.orders[order.id] = order
        if not symbol.tradable:
            return self._reject(order, "Symbol is not tradable (trade status inactive)")
        if side == 1 and self._required(order) > self.available():
            return self._reject(order, "RMS:Margin Exceeds, Insufficient Funds")
        return order

    def _reject(self, order: FakeOrder, message: str) -> FakeOrder:
        order.status, order.message = REJECTED, message
        raise BookError(-99, message, order.id)

    def _check_prices(
        self, otype: int, side: int, limit: Decimal, stop: Decimal, symbol: FakeSymbol
    ) -> None:
        if otype in (LIMIT, STOP_LIMIT) and (limit <= 0 or not _multiple(limit, symbol.tick)):
            raise BookError(-50, f"limitPrice not a multiple of tick size {symbol.tick:.4f}")
        if otype in (STOP_MARKET, STOP_LIMIT) and (stop <= 0 or not _multiple(stop, symbol.tick)):
            raise BookError(-50, f"StopLoss not a multiple of tick size {symbol.tick:.4f}")
        if otype == STOP_LIMIT and ((side == 1 and stop > limit) or (side == -1 and stop < limit)):
            raise BookError(-315, "Invalid stop-limit price")

    def modify(self, body: dict[str, Any]) -> FakeOrder:
        order = self._open_order(str(body.get("id", "")))
        otype = _int(body.get("type"))
        if otype not in (LIMIT, MARKET, STOP_MARKET, STOP_LIMIT):
            raise BookError(-101, "Invalid order type")
        qty = _int(body["qty"]) if "qty" in body else order.qty
        limit = _dec(body["limitPrice"]) if "limitPrice" in body else order.limit
        stop = _dec(body["stopPrice"]) if "stopPrice" in body else order.stop
        if qty <= order.filled or qty % order.symbol.lot_size:
            raise BookError(-50, "Invalid qty")
        self._check_prices(otype, order.side, limit, stop, order.symbol)
        order.type, order.qty = otype, qty
        order.limit = limit if otype in (LIMIT, STOP_LIMIT) else Decimal(0)
        order.stop = stop if otype in (STOP_MARKET, STOP_LIMIT) else Decimal(0)
        self._match(order)
        return order

    def cancel(self, order_id: str) -> FakeOrder:
        order = self._open_order(order_id)
        order.status, order.message = CANCELLED, "Cancelled by user"
        return order

    def _open_order(self, order_id: str) -> FakeOrder:
        self.settle()
        order = self.orders.get(order_id)
        if order is None:
            raise BookError(-51, "Invalid order id")
        refusals = {
            CANCELLED: (-161, "Order already cancelled"),
            TRADED: (-162, "Order already traded"),
            REJECTED: (-164, "Order already rejected"),
        }
        if order.status in refusals:
            code, message = refusals[order.status]
            raise BookError(code, message, order.id)
        return order

    # -- matching ------------------------------------------------------------------------
    def settle(self) -> None:
        """Move orders out of transit to the exchange and match what is marketable."""
        for order in self.orders.values():
            if order.status == TRANSIT:
                order.status = PENDING
                self._match(order)
                if order.status == PENDING and order.validity == "IOC":
                    order.status, order.message = CANCELLED, "IOC order not filled"

    def set_price(self, ticker: str, price: Decimal) -> None:
        """Move the market: resting orders that become marketable fill."""
        self.prices[ticker.upper()] = price
        self.settle()
        for order in self.orders.values():
            if order.status == PENDING and order.symbol.ticker == ticker.upper():
                self._match(order)

    def _match(self, order: FakeOrder) -> None:
        if order.status != PENDING or order.offline:
            return
        ltp = self.prices[order.symbol.ticker]
        buy = order.side == 1
        if order.type in (STOP_MARKET, STOP_LIMIT):
            triggered = ltp >= order.stop if buy else ltp <= order.stop
            if not triggered:
                return
        if order.type in (LIMIT, STOP_LIMIT):
            marketable = ltp <= order.limit if buy else ltp >= order.limit
            if not marketable:
                return
        self._fill(order, ltp)

    def _fill(self, order: FakeOrder, price: Decimal) -> None:
        qty = order.qty - order.filled
        number = f"{next(self._trade_ids):012d}"
        self.trades.append(FakeTrade(number, order, qty, price, datetime.now(UTC)))
        order.filled, order.traded_price, order.status = order.qty, price, TRADED
        order.message = "TRADE CONFIRMED"

    def _new_id(self, moment: datetime) -> str:
        return f"{moment.astimezone(IST):%y%m%d}{next(self._ids):08d}"

    # -- money ---------------------------------------------------------------------------
    def _required(self, order: FakeOrder) -> Decimal:
        price = order.limit or self.prices[order.symbol.ticker]
        rate = _MARGIN_RATE.get(order.product, _INTRADAY_RATE)
        return price * (order.qty - order.filled) * rate

    def utilized(self) -> Decimal:
        blocked = sum(
            (
                self._required(o)
                for o in self.orders.values()
                if o.side == 1 and o.status in (TRANSIT, PENDING)
            ),
            Decimal(0),
        )
        spent = sum((t.price * t.qty * t.order.side for t in self.trades), Decimal(0))
        return blocked + max(spent, Decimal(0))

    def available(self) -> Decimal:
        return self.cash + self.collateral - self.utilized()

    def fund_limit(self) -> list[dict[str, Any]]:
        used = self.utilized()
        lines = [
            (1, "Total Balance", self.cash),
            (2, "Utilized Amount", used),
            (3, "Clear Balance", self.cash - used),
            (4, "Realized Profit and Loss", Decimal(0)),
            (5, "Collaterals", self.collateral),
            (6, "Fund Transfer", Decimal(0)),
            (7, "Receivables", Decimal(0)),
            (8, "Adhoc Limit", Decimal(0)),
            (9, "Limit at start of the day", self.cash),
            (10, "Available Balance", self.available()),
        ]
        return [
            {"id": i, "title": t, "equityAmount": float(v), "commodityAmount": 0.0}
            for i, t, v in lines
        ]


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except ArithmeticError:
        return Decimal(0)
