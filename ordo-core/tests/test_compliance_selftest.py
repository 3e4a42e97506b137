"""The compliance suite proves itself: deliberately broken adapters derived from the paper
broker fail exactly the tests that describe their defect, and the unbroken one passes."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

BROKEN = textwrap.dedent(
    '''
    from ordo.adapters.base import AdapterContext
    from ordo.adapters.errors import BrokerUnavailable, SessionExpired
    from ordo.domain import OrderStatus
    from ordo_adapter_mock.adapter import MockAdapter
    from ordo_adapter_mock.testing import MockHarness


    class RawDictAdapter(MockAdapter):
        """Hands the broker's JSON straight back from list_orders."""

        async def list_orders(self):
            return [o.model_dump(mode="json") for o in await super().list_orders()]


    _SWAPPED = {OrderStatus.OPEN: OrderStatus.CANCELLED, OrderStatus.CANCELLED: OrderStatus.OPEN}


    def _misread(order):
        return order.model_copy(update={"status": _SWAPPED.get(order.status, order.status)})


    class WrongStatusAdapter(MockAdapter):
        """A status table with OPEN and CANCELLED swapped, applied to every read."""

        async def get_order(self, order_id):
            return _misread(await super().get_order(order_id))

        async def list_orders(self):
            return [_misread(o) for o in await super().list_orders()]

        async def find_orders_by_tag(self, tag):
            return [_misread(o) for o in await super().find_orders_by_tag(tag)]


    class NoSessionExpiredAdapter(MockAdapter):
        """Reports an ended session as an outage, so the core would retry forever."""

        async def _call(self, operation, kind, effect):
            try:
                return await super()._call(operation, kind, effect)
            except SessionExpired as exc:
                raise BrokerUnavailable(str(exc)) from None


    class IgnoresTagsAdapter(MockAdapter):
        """Never sends Ordo's tag to the broker."""

        async def place_order(self, order, tag):
            return await super().place_order(order, "ADAPTERDEFAULT")


    class MemoryTagsAdapter(MockAdapter):
        """Answers find_orders_by_tag from its own memory instead of the broker's book."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.placed = {}

        async def place_order(self, order, tag):
            ack = await super().place_order(order, tag)
            self.placed.setdefault(tag, []).append(ack.order_id)
            return ack

        async def find_orders_by_tag(self, tag):
            return [await self.get_order(i) for i in self.placed.get(tag, [])]


    def harness_for(adapter_cls):
        class Harness(MockHarness):
            def create_adapter(self, account="compliance"):
                context = AdapterContext(account=account, data_dir=self.data_dir)
                return adapter_cls(self.settings, context, broker=self.broker)

        Harness.adapter_cls = adapter_cls
        return Harness
    '''
)

OPT_IN = textwrap.dedent(
    """
    from ordo_testing.compliance import AdapterFixtures, ComplianceSuite
    from ordo_adapter_mock.testing import MockHarness
    import broken


    class TestCompliance(AdapterFixtures, ComplianceSuite):
        harness_cls = {harness}
    """
)


def run_suite(pytester: pytest.Pytester, harness: str) -> tuple[set[str], int]:
    """Run the whole suite with ``harness``; the failed test names and the passed count."""
    pytester.syspathinsert()
    # Strict asyncio mode on purpose: the suite must not depend on the adapter's choice.
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(broken=BROKEN, test_opt_in=OPT_IN.format(harness=harness))
    reprec = pytester.inline_run("-p", "no:cacheprovider")
    passed, _skipped, failed = reprec.listoutcomes()
    return {r.nodeid.rsplit("::", 1)[-1] for r in failed}, len(passed)


def test_unbroken_mock_passes_the_whole_suite(pytester: pytest.Pytester) -> None:
    failed, passed = run_suite(pytester, "MockHarness")
    assert failed == set()
    assert passed >= 45


def test_raw_dicts_fail_the_domain_model_tests(pytester: pytest.Pytester) -> None:
    failed, _ = run_suite(pytester, "broken.harness_for(broken.RawDictAdapter)")
    assert failed == {
        "test_placed_order_shows_in_the_book_with_its_tag",
        "test_order_book_holds_only_domain_models",
    }


def test_wrong_status_mapping_fails_the_status_tests(pytester: pytest.Pytester) -> None:
    failed, _ = run_suite(pytester, "broken.harness_for(broken.WrongStatusAdapter)")
    assert failed == {
        "test_placed_order_shows_in_the_book_with_its_tag",
        "test_get_order_returns_the_placed_order",
        "test_cancel_changes_status_to_cancelled",
        "test_modify_changes_the_price",
        "test_cancelled_order_is_still_found_by_tag",
        # The broker's history (read unchanged) disagrees with the misread book.
        "test_order_history_ends_in_the_orders_state",
    }


def test_missing_session_expired_fails_the_expiry_tests(pytester: pytest.Pytester) -> None:
    failed, _ = run_suite(pytester, "broken.harness_for(broken.NoSessionExpiredAdapter)")
    assert failed == {
        "test_calls_before_login_raise_session_expired",
        "test_expired_token_raises_session_expired",
        "test_logout_ends_the_session",
        "test_expired_token_on_every_read_raises_session_expired[get_funds]",
        "test_expired_token_on_every_read_raises_session_expired[get_holdings]",
        "test_expired_token_on_every_read_raises_session_expired[get_positions]",
        "test_expired_token_on_every_read_raises_session_expired[get_quotes]",
        "test_expired_token_on_every_read_raises_session_expired[list_orders]",
        "test_expired_token_refuses_an_order",
    }


def test_ignored_tags_fail_the_tag_tests(pytester: pytest.Pytester) -> None:
    failed, _ = run_suite(pytester, "broken.harness_for(broken.IgnoresTagsAdapter)")
    assert failed == {
        "test_placed_order_shows_in_the_book_with_its_tag",
        "test_get_order_returns_the_placed_order",
        "test_modify_changes_the_price",
        "test_stop_order_waits_for_its_trigger",
        "test_amo_order_is_accepted_and_rests",
        "test_find_orders_by_tag_returns_the_placed_order",
        "test_tags_tell_orders_apart",
        "test_cancelled_order_is_still_found_by_tag",
        "test_a_lost_reply_is_reconciled_from_the_broker",
    }


def test_tags_kept_in_memory_fail_reconciliation(pytester: pytest.Pytester) -> None:
    failed, _ = run_suite(pytester, "broken.harness_for(broken.MemoryTagsAdapter)")
    assert failed == {"test_a_lost_reply_is_reconciled_from_the_broker"}
