"""Ordo's adapter compliance suite.

An adapter package opts in with a fixtures class and one-line test classes per area::

    from ordo.testing.compliance import AdapterFixtures, OrdersSuite, SessionSuite

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
    "ordo.testing.compliance.checks",
    "ordo.testing.compliance.contract",
    "ordo.testing.compliance.errors",
    "ordo.testing.compliance.instruments",
    "ordo.testing.compliance.orders",
    "ordo.testing.compliance.portfolio",
    "ordo.testing.compliance.quotes",
    "ordo.testing.compliance.session",
    "ordo.testing.compliance.tags",
)

from ordo.testing.compliance.checks import (  # noqa: E402
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
from ordo.testing.compliance.contract import ContractSuite  # noqa: E402
from ordo.testing.compliance.errors import ErrorsSuite  # noqa: E402
from ordo.testing.compliance.fixtures import AdapterFixtures  # noqa: E402
from ordo.testing.compliance.instruments import InstrumentsSuite  # noqa: E402
from ordo.testing.compliance.orders import OrdersSuite  # noqa: E402
from ordo.testing.compliance.portfolio import PortfolioSuite  # noqa: E402
from ordo.testing.compliance.quotes import QuotesSuite  # noqa: E402
from ordo.testing.compliance.session import SessionSuite  # noqa: E402
from ordo.testing.compliance.tags import TagsSuite  # noqa: E402


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
