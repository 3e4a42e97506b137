"""Ordo's adapter compliance suite against the fake m.Stock."""

from __future__ import annotations

from ordo.testing.compliance import AdapterFixtures, ComplianceSuite
from ordo_adapter_mirae.testing import MiraeHarness


class MiraeFixtures(AdapterFixtures):
    harness_cls = MiraeHarness


class TestMiraeCompliance(MiraeFixtures, ComplianceSuite):
    pass
