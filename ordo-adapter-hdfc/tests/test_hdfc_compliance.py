"""Ordo's adapter compliance suite against the InvestRight fake."""

from __future__ import annotations

from ordo.testing.compliance import AdapterFixtures, ComplianceSuite
from ordo_adapter_hdfc.testing import HdfcHarness


class HdfcFixtures(AdapterFixtures):
    harness_cls = HdfcHarness


class TestHdfcCompliance(HdfcFixtures, ComplianceSuite):
    pass
