"""Contract area: what an adapter class declares, checked without calling the broker."""

from __future__ import annotations

import pytest
from ordo.adapters.base import AdapterSettings, BrokerAdapter, RateLimit
from ordo.adapters.capabilities import REQUIRED_CAPABILITIES, Capability
from pydantic import SecretStr

from ordo_testing.compliance.checks import verifies
from ordo_testing.harness import AdapterHarness

# Base-class methods an optional capability needs overridden; a declared capability whose
# method still raises UnsupportedOperation is a false promise.
CAPABILITY_METHODS: dict[Capability, tuple[str, ...]] = {
    Capability.FUNDS: ("get_funds",),
    Capability.HOLDINGS: ("get_holdings",),
    Capability.POSITIONS: ("get_positions",),
    Capability.QUOTES: ("get_quotes",),
    Capability.INSTRUMENTS: ("get_instrument", "load_instruments"),
    Capability.PLACE_ORDER: ("place_order",),
    Capability.CANCEL_ORDER: ("cancel_order",),
    Capability.ORDER_BOOK: ("get_order", "list_orders"),
    Capability.ORDER_TAGS: ("find_orders_by_tag",),
    Capability.MODIFY_ORDER: ("modify_order",),
    Capability.TRADES: ("get_trades",),
    Capability.SESSION_REFRESH: ("refresh",),
    Capability.INSTRUMENT_SEARCH: ("search_instruments",),
    Capability.MARGIN: ("required_margin",),
    Capability.PROFILE: ("get_profile",),
    Capability.ORDER_HISTORY: ("get_order_history",),
    # EXIT_POSITIONS: ``exit_orders`` has a working default (opposite-side market orders).
}


@pytest.mark.asyncio
class ContractSuite:
    """Class attributes: id, name, capabilities, settings model, rate limits.

    Async although nothing is awaited: every suite test is a coroutine so one class-level
    ``asyncio`` mark holds for ``ComplianceSuite``, which mixes all areas."""

    @verifies("contract")
    async def test_identity_is_declared(self, harness: AdapterHarness) -> None:
        cls = harness.adapter_cls
        assert issubclass(cls, BrokerAdapter), f"{cls!r} is not a BrokerAdapter"
        assert isinstance(cls.id, str), "the adapter class needs a string id"
        assert cls.id.isidentifier(), f"adapter id {cls.id!r} must be an identifier"
        assert cls.id == cls.id.lower(), f"adapter id {cls.id!r} must be lower case"
        assert isinstance(cls.display_name, str), "the adapter class needs a display_name"
        assert cls.display_name.strip(), "the adapter's display_name is blank"

    @verifies("contract")
    async def test_required_capabilities_are_declared(self, harness: AdapterHarness) -> None:
        declared = harness.adapter_cls.capabilities
        assert all(isinstance(c, Capability) for c in declared), (
            f"capabilities must be Capability members: {declared!r}"
        )
        missing = sorted(c.value for c in REQUIRED_CAPABILITIES - declared)
        assert not missing, f"required capabilities not declared: {missing}"

    @verifies("contract")
    async def test_declared_capabilities_are_implemented(self, harness: AdapterHarness) -> None:
        cls = harness.adapter_cls
        missing = [
            f"{cap.value} needs {name}"
            for cap in cls.capabilities
            for name in CAPABILITY_METHODS.get(cap, ())
            if getattr(cls, name) is getattr(BrokerAdapter, name)
        ]
        assert not missing, f"declared but not overridden: {missing}"

    @verifies("contract")
    async def test_login_flow_is_implemented(self, harness: AdapterHarness) -> None:
        cls = harness.adapter_cls
        assert cls.begin_login is not BrokerAdapter.begin_login, "begin_login is not overridden"

    @verifies("contract")
    async def test_settings_model_forbids_unknown_keys(self, harness: AdapterHarness) -> None:
        settings_cls = harness.adapter_cls.Settings
        assert issubclass(settings_cls, AdapterSettings), "Settings must extend AdapterSettings"
        assert settings_cls.model_config.get("extra") == "forbid", (
            "Settings must keep extra='forbid' so a typo in the config is caught at start"
        )

    @verifies("contract")
    async def test_secret_settings_are_secret_str(self, harness: AdapterHarness) -> None:
        secretish = {"secret", "password", "passwd", "token", "pin", "mpin", "totp", "otp"}
        exposed = [
            name
            for name, field in harness.adapter_cls.Settings.model_fields.items()
            if secretish & set(name.lower().split("_"))
            and field.annotation is not None
            and SecretStr not in _leaf_types(field.annotation)
        ]
        assert not exposed, f"secret settings must be SecretStr: {exposed}"

    @verifies("contract")
    async def test_rate_limits_are_well_formed(self, harness: AdapterHarness) -> None:
        for limit in harness.adapter_cls.declared_rate_limits:
            assert isinstance(limit, RateLimit), f"{limit!r} is not a RateLimit"
            assert limit.max_calls >= 1, f"{limit!r} allows no calls"
            assert limit.period > 0, f"{limit!r} has no period"


def _leaf_types(annotation: object) -> set[object]:
    args = getattr(annotation, "__args__", None)
    if not args:
        return {annotation}
    found: set[object] = set()
    for arg in args:
        found |= _leaf_types(arg)
    return found
