"""Ordo's shared adapter compliance suite, run against the fake Fyers."""

from __future__ import annotations

from ordo.testing.compliance import AdapterFixtures, ComplianceSuite
from ordo_adapter_fyers.testing import FyersHarness


class FyersFixtures(AdapterFixtures):
    harness_cls = FyersHarness


class TestFyersCompliance(FyersFixtures, ComplianceSuite):
    pass
