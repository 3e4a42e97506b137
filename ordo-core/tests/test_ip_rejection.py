"""Recognising a broker's "IP not allowed" answer and building the one error for it."""

from __future__ import annotations

import pytest
from ordo.adapters.ip_rejection import (
    GENERIC_PATTERNS,
    IpRejection,
    ip_named_in,
    ip_not_whitelisted,
    with_observed_ip,
)
from ordo.errors import IpNotWhitelisted

GENERIC = IpRejection(GENERIC_PATTERNS)


@pytest.mark.parametrize(
    "text",
    [
        "IP (2402:3a80:1::5) is not allowed",  # Zerodha
        "IP (203.0.113.7) is not allowed",
        "Static IP not whitelisted",  # Upstox UDAPI1154
        "session ip does not match",  # Kotak 1037
        "Primary and Secondary IP Address are not matching with current IP address.",
    ],
)
def test_known_wordings_match(text: str) -> None:
    assert GENERIC.matches(text)


@pytest.mark.parametrize(
    "text",
    [
        "RMS: margin not allowed",
        "Trading in this scrip is not allowed",
        "Invalid request. Please try again.",
        "API is suspended/expired for use.",
    ],
)
def test_other_refusals_do_not(text: str) -> None:
    assert not GENERIC.matches(text)


def test_the_ip_named_in_a_message() -> None:
    assert ip_named_in("IP (2402:3a80:1::5) is not allowed") == "2402:3a80:1::5"
    assert ip_named_in("request IP 127.0.0.3 is not whitelisted.") == "127.0.0.3"
    assert ip_named_in("Static IP not whitelisted at 10:15") is None


def test_the_error_names_account_and_ip_and_takes_the_observed_one_later() -> None:
    unknown = ip_not_whitelisted("m.Stock", "desk", "IP Address are not matching", broker_code="X")
    assert isinstance(unknown, IpNotWhitelisted)
    assert unknown.observed_ip is None
    assert "account 'desk' (observed IP unknown)" in unknown.message
    known = with_observed_ip(unknown, "127.0.0.3")
    assert known.observed_ip == "127.0.0.3"
    assert "account 'desk' (observed IP 127.0.0.3)" in known.message
    assert (known.account, known.broker_code) == ("desk", "X")
    assert known.details == {"account": "desk", "observed_ip": "127.0.0.3"}
    # An IP the broker named is kept.
    named = ip_not_whitelisted("Zerodha", "z", "IP (1.2.3.4) is not allowed")
    assert with_observed_ip(named, "5.6.7.8") is named
    assert named.observed_ip == "1.2.3.4"
