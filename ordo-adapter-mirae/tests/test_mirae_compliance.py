"""Ordo's adapter compliance suite against the fake m.Stock."""

from __future__ import annotations

from ordo_adapter_mirae.testing import MiraeHarness
from ordo_testing.compliance import AdapterFixtures, ComplianceSuite


class MiraeFixtures(AdapterFixtures):
    harness_cls = MiraeHarness


class TestMiraeCompliance(MiraeFixtures, ComplianceSuite):
    pass
