"""Ordo's shared adapter compliance suite, run against the fake Fyers."""

from __future__ import annotations

from ordo_adapter_fyers.testing import FyersHarness
from ordo_testing.compliance import AdapterFixtures, ComplianceSuite


class FyersFixtures(AdapterFixtures):
    harness_cls = FyersHarness


class TestFyersCompliance(FyersFixtures, ComplianceSuite):
    pass
