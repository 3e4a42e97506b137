"""Cash, holdings and positions move with fills."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from ordo.adapters.errors import InsufficientFunds
from ordo.domain import OrderRequest, OrderType, Product, Side
from ordo_adapter_mock import PaperBroker

Req = Callable[..., OrderRequest]
D = Decimal


def test_buy_debits_and_sell_credits_cash(broker: PaperBroker, make_request: Req) -> None:
    broker.place(make_request(quantity=10))
    funds = broker.funds()
    assert (funds.available, funds.used, funds.total) == (D("92000"), D(0), D("92000"))
    broker.set_price("NSE:SBIN", "850")
    broker.place(make_request(side=Side.SELL, quantity=4))
    assert broker.funds().available == D("92000") + D("3400")


def test_cnc_buys_create_holdings_with_average_price(
    broker: PaperBroker, make_request: Req
) -> None:
    broker.place(make_request(quantity=10))
    broker.set_price("NSE:SBIN", "830")
    broker.place(make_request(quantity=5))
    [holding] = broker.holdings()
    assert (holding.symbol, holding.quantity) == ("SBIN", 15)
    assert holding.average_price == D("810")
    assert holding.last_price == D("830")
    assert holding.pnl == D("300")
    assert holding.isin == "INE062A01020"


def test_cnc_sell_reduces_and_clears_holdings(broker: PaperBroker, make_request: Req) -> None:
    broker.place(make_request(quantity=10))
    broker.place(make_request(side=Side.SELL, quantity=6))
    assert broker.holdings()[0].quantity == 4
    broker.place(make_request(side=Side.SELL, quantity=4))
    assert broker.holdings() == []


def test_open_cnc_sells_claim_holdings(broker: PaperBroker, make_request: Req) -> None:
    broker.add_holding("NSE:SBIN", 10, D("600"))
    broker.place(make_request(side=Side.SELL, quantity=8, order_type=OrderType.LIMIT, price="900"))
    with pytest.raises(Exception, match="insufficient holdings: 2 free"):
        broker.place(make_request(side=Side.SELL, quantity=5))


def test_day_position_realised_and_unrealised_pnl(broker: PaperBroker, make_request: Req) -> None:
    broker.place(make_request(quantity=10, product=Product.MIS))
    broker.set_price("NSE:SBIN", "810")
    broker.place(make_request(side=Side.SELL, quantity=4, product=Product.MIS))
    broker.set_price("NSE:SBIN", "820")
    [position] = broker.positions()
    assert position.product is Product.MIS
    assert (position.quantity, position.buy_quantity, position.sell_quantity) == (6, 10, 4)
    assert (position.buy_average, position.sell_average) == (D("800"), D("810"))
    assert position.average_price == D("800")
    assert position.realised_pnl == D("40")
    assert position.unrealised_pnl == D("120")
    assert broker.holdings() == []  # MIS never becomes a holding


def test_short_holds_margin_and_cover_realises_pnl(broker: PaperBroker, make_request: Req) -> None:
    broker.place(make_request(side=Side.SELL, quantity=10, product=Product.MIS))
    funds = broker.funds()
    assert (funds.total, funds.used, funds.available) == (D("108000"), D("16000"), D("92000"))
    [short] = broker.positions()
    assert (short.quantity, short.average_price) == (-10, D("800"))
    broker.set_price("NSE:SBIN", "780")
    assert broker.positions()[0].unrealised_pnl == D("200")
    broker.place(make_request(quantity=10, product=Product.MIS))
    funds = broker.funds()
    assert (funds.used, funds.available) == (D(0), D("100200"))
    assert broker.positions()[0].realised_pnl == D("200")


def test_covering_buy_needs_no_fresh_cash(make_request: Req) -> None:
    paper = PaperBroker(seed=1, starting_cash=D("8000"))
    paper.set_price("NSE:SBIN", "800")
    paper.place(make_request(side=Side.SELL, quantity=10, product=Product.MIS))
    assert paper.funds().available == 0
    paper.place(make_request(quantity=10, product=Product.MIS))  # covers: allowed
    with pytest.raises(InsufficientFunds):
        paper.place(make_request(quantity=11, product=Product.MIS))


def test_open_orders_block_funds_at_their_price(broker: PaperBroker, make_request: Req) -> None:
    broker.place(make_request(quantity=10, order_type=OrderType.LIMIT, price="750"))
    broker.place(
        make_request(quantity=5, order_type=OrderType.SL_M, trigger="820", product=Product.MIS)
    )
    funds = broker.funds()
    assert funds.used == D("7500") + D("4100")
    assert funds.available == D("100000") - funds.used
    with pytest.raises(InsufficientFunds):
        broker.place(make_request(quantity=111))
    broker.place(make_request(quantity=110))


def test_market_buy_is_valued_at_the_last_price(make_request: Req) -> None:
    paper = PaperBroker(seed=1, starting_cash=D("8000"))
    paper.set_price("NSE:SBIN", "800")
    paper.place(make_request(quantity=10))
    assert paper.funds().available == 0
    with pytest.raises(InsufficientFunds):
        paper.place(make_request(quantity=1))
