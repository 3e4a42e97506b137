"""The suite's helpers: raw-JSON detection, tags, the live-broker guard inside suite runs."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from ordo.domain import (
    BrokerSession,
    ChallengeKind,
    Exchange,
    Funds,
    LoginChallenge,
    Order,
    OrderStatus,
    OrderType,
    Product,
    Side,
    SymbolRef,
)
from ordo.safety.tags import is_order_tag
from ordo_testing.compliance import assert_domain_list, find_raw, make_tag, resting_buy
from ordo_testing.harness import SampleInstruments
from pydantic import BaseModel, SecretStr

pytest_plugins = ["pytester"]


def _order(**changes: object) -> Order:
    fields: dict[str, object] = {
        "order_id": "1",
        "exchange": Exchange.NSE,
        "symbol": "SBIN",
        "side": Side.BUY,
        "quantity": 1,
        "order_type": OrderType.LIMIT,
        "product": Product.CNC,
        "price": Decimal("10.05"),
        "status": OrderStatus.OPEN,
        "tag": "O0123456789ABCDE",
    }
    fields.update(changes)
    return Order.model_validate(fields)


def test_domain_models_and_lists_of_them_are_clean() -> None:
    assert find_raw([_order(), _order(order_id="2")]) is None
    assert find_raw(Funds(available=Decimal(1), total=Decimal(2))) is None
    assert find_raw([]) is None


def test_a_dict_anywhere_is_raw_json() -> None:
    found = find_raw([_order(), {"orderId": "2"}])
    assert found is not None
    assert found.startswith("result[1] is a dict")


def test_a_model_built_without_validation_is_caught() -> None:
    bogus = Order.model_construct(**{**_order().model_dump(), "status": "weird"})
    found = find_raw([bogus])
    assert found is not None
    assert "does not validate as Order" in found


def test_a_foreign_model_is_not_a_domain_model() -> None:
    class BrokerOrder(BaseModel):
        id: str

    assert find_raw(BrokerOrder(id="1")) == "result is a BrokerOrder, not an ordo.domain model"


def test_an_arbitrary_object_is_reported() -> None:
    found = find_raw([_order(), object()])
    assert found == "result[1] is a object: adapters return ordo.domain models"


def test_session_extra_and_challenge_state_are_allowed_dicts() -> None:
    session = BrokerSession(access_token=SecretStr("t" * 20), extra={"segment": "NSE"})
    challenge = LoginChallenge(
        kind=ChallengeKind.OTP,
        prompt="otp",
        expires_at=datetime.now(UTC) + timedelta(minutes=1),
        state={"request": "x"},
    )
    assert find_raw(session) is None
    assert find_raw(challenge) is None


def test_assert_domain_list_names_the_wrong_item_type() -> None:
    with pytest.raises(AssertionError, match=r"result\[0\] is a Funds, expected Order"):
        assert_domain_list([Funds(available=Decimal(1), total=Decimal(1))], Order)


def test_make_tag_is_a_deterministic_ordo_tag_per_test_and_leg() -> None:
    tag = make_tag("pkg/test_x.py::TestA::test_b")
    assert is_order_tag(tag)
    assert tag == make_tag("pkg/test_x.py::TestA::test_b")
    assert tag != make_tag("pkg/test_x.py::TestA::test_b", leg=1)
    assert tag != make_tag("pkg/test_x.py::TestA::test_c")


def test_resting_buy_is_a_limit_at_the_resting_price() -> None:
    samples = SampleInstruments(
        equity=SymbolRef.parse("NSE:SBIN"),
        resting_buy_price=Decimal("400.05"),
        unknown=SymbolRef.parse("NSE:NOPE"),
    )
    order = resting_buy(samples, quantity=3)
    assert (order.exchange, order.symbol, order.side) == (Exchange.NSE, "SBIN", Side.BUY)
    assert (order.order_type, order.price, order.quantity) == (
        OrderType.LIMIT,
        Decimal("400.05"),
        3,
    )


def test_live_broker_guard_applies_inside_the_suite(pytester: pytest.Pytester) -> None:
    """An adapter that reaches for a real broker fails the suite without --ordo-live."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        test_guarded=textwrap.dedent(
            """
            import socket
            from ordo.adapters.base import AdapterContext
            from ordo_testing.compliance import AdapterFixtures, PortfolioSuite
            from ordo_adapter_mock.adapter import MockAdapter
            from ordo_adapter_mock.testing import MockHarness


            class PhonesHome(MockAdapter):
                async def get_funds(self):
                    # TEST-NET-3: never routed; the guard must refuse before any packet.
                    socket.create_connection(("203.0.113.7", 443), timeout=0.2)
                    return await super().get_funds()


            class Harness(MockHarness):
                adapter_cls = PhonesHome

                def create_adapter(self, account="compliance"):
                    context = AdapterContext(account=account, data_dir=self.data_dir)
                    return PhonesHome(self.settings, context, broker=self.broker)


            class TestGuarded(AdapterFixtures, PortfolioSuite):
                harness_cls = Harness
            """
        )
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5, failed=1, skipped=0)  # funds fails; 5 others pass
    result.stdout.fnmatch_lines(["*LiveBrokerBlockedError*203.0.113.7*"])
