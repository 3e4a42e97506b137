"""Ordo's adapter compliance suite.

An adapter package opts in with a fixtures class and one-line test classes per area::

    from ordo_testing.compliance import AdapterFixtures, OrdersSuite, SessionSuite

    class FyersFixtures(AdapterFixtures):
        harness_cls = FyersHarness

    class TestFyersSession(FyersFixtures, SessionSuite):
        pass

    class TestFyersOrders(FyersFixtures, OrdersSuite):
        pass

``ComplianceSuite`` bundles every area. See ``docs/testing_adapters.md``.
"""

import pytest

# Rewrite the suite's asserts so failures show values; must run before the imports below.
pytest.register_assert_rewrite(
    "ordo_testing.compliance.checks",
    "ordo_testing.compliance.contract",
    "ordo_testing.compliance.errors",
    "ordo_testing.compliance.instruments",
    "ordo_testing.compliance.orders",
    "ordo_testing.compliance.portfolio",
    "ordo_testing.compliance.quotes",
    "ordo_testing.compliance.session",
    "ordo_testing.compliance.tags",
)

from ordo_testing.compliance.checks import (  # noqa: E402
    AREAS,
    CAPABILITY_MARKER,
    assert_domain,
    assert_domain_list,
    find_raw,
    make_tag,
    require,
    resting_buy,
    verifies,
)
from ordo_testing.compliance.contract import ContractSuite  # noqa: E402
from ordo_testing.compliance.errors import ErrorsSuite  # noqa: E402
from ordo_testing.compliance.fixtures import AdapterFixtures  # noqa: E402
from ordo_testing.compliance.instruments import InstrumentsSuite  # noqa: E402
from ordo_testing.compliance.orders import OrdersSuite  # noqa: E402
from ordo_testing.compliance.portfolio import PortfolioSuite  # noqa: E402
from ordo_testing.compliance.quotes import QuotesSuite  # noqa: E402
from ordo_testing.compliance.session import SessionSuite  # noqa: E402
from ordo_testing.compliance.tags import TagsSuite  # noqa: E402


class ComplianceSuite(
    ContractSuite,
    SessionSuite,
    PortfolioSuite,
    QuotesSuite,
    InstrumentsSuite,
    OrdersSuite,
    ErrorsSuite,
    TagsSuite,
):
    """Every area in one class, for ``class TestX(XFixtures, ComplianceSuite): pass``."""


SUITES: dict[str, type] = {
    "contract": ContractSuite,
    "session": SessionSuite,
    "portfolio": PortfolioSuite,
    "quotes": QuotesSuite,
    "instruments": InstrumentsSuite,
    "orders": OrdersSuite,
    "errors": ErrorsSuite,
    "tags": TagsSuite,
}
"""Area name -> suite class."""

__all__ = [
    "AREAS",
    "CAPABILITY_MARKER",
    "SUITES",
    "AdapterFixtures",
    "ComplianceSuite",
    "ContractSuite",
    "ErrorsSuite",
    "InstrumentsSuite",
    "OrdersSuite",
    "PortfolioSuite",
    "QuotesSuite",
    "SessionSuite",
    "TagsSuite",
    "assert_domain",
    "assert_domain_list",
    "find_raw",
    "make_tag",
    "require",
    "resting_buy",
    "verifies",
]
