"""Ordo's adapter compliance suite against the InvestRight fake."""

from __future__ import annotations

from ordo_adapter_hdfc.testing import HdfcHarness
from ordo_testing.compliance import AdapterFixtures, ComplianceSuite


class HdfcFixtures(AdapterFixtures):
    harness_cls = HdfcHarness


class TestHdfcCompliance(HdfcFixtures, ComplianceSuite):
    pass
