"""Ordo's compliance suite against the in-process fake (see docs/testing_adapters.md)."""

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

from {{ cookiecutter.__package }}.testing import {{ cookiecutter.class_prefix }}Harness


class {{ cookiecutter.class_prefix }}Fixtures(AdapterFixtures):
    harness_cls = {{ cookiecutter.class_prefix }}Harness


class Test{{ cookiecutter.class_prefix }}Contract({{ cookiecutter.class_prefix }}Fixtures, ContractSuite):
    pass


class Test{{ cookiecutter.class_prefix }}Session({{ cookiecutter.class_prefix }}Fixtures, SessionSuite):
    pass


class Test{{ cookiecutter.class_prefix }}Portfolio({{ cookiecutter.class_prefix }}Fixtures, PortfolioSuite):
    pass


class Test{{ cookiecutter.class_prefix }}Quotes({{ cookiecutter.class_prefix }}Fixtures, QuotesSuite):
    pass


class Test{{ cookiecutter.class_prefix }}Instruments({{ cookiecutter.class_prefix }}Fixtures, InstrumentsSuite):
    pass


class Test{{ cookiecutter.class_prefix }}Orders({{ cookiecutter.class_prefix }}Fixtures, OrdersSuite):
    pass


class Test{{ cookiecutter.class_prefix }}Errors({{ cookiecutter.class_prefix }}Fixtures, ErrorsSuite):
    pass


class Test{{ cookiecutter.class_prefix }}Tags({{ cookiecutter.class_prefix }}Fixtures, TagsSuite):
    pass
