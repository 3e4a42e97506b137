"""Ordo's adapter compliance suite against the paper broker (docs/testing_adapters.md)."""

from ordo_adapter_mock.testing import MockHarness
from ordo_testing.compliance import (
    AdapterFixtures,
    ContractSuite,
    ErrorsSuite,
    InstrumentsSuite,
    OrdersSuite,
    PortfolioSuite,
    QuotesSuite,
    SessionSuite,
    TagsSuite,
)


class MockFixtures(AdapterFixtures):
    harness_cls = MockHarness


class TestMockContract(MockFixtures, ContractSuite):
    pass


class TestMockSession(MockFixtures, SessionSuite):
    pass


class TestMockPortfolio(MockFixtures, PortfolioSuite):
    pass


class TestMockQuotes(MockFixtures, QuotesSuite):
    pass


class TestMockInstruments(MockFixtures, InstrumentsSuite):
    pass


class TestMockOrders(MockFixtures, OrdersSuite):
    pass


class TestMockErrors(MockFixtures, ErrorsSuite):
    pass


class TestMockTags(MockFixtures, TagsSuite):
    pass
