"""Request fingerprints, key validation and the in-process in-flight guard."""

from __future__ import annotations

import asyncio
import enum
import json
from datetime import date
from decimal import Decimal

import pytest
from ordo.safety.idempotency import InFlightRegistry, canonical_json, fingerprint, validate_key

BODY = {
    "accounts": ["fyers-main", "mirae-desk"],
    "order": {"exchange": "NSE", "symbol": "SBIN", "side": "BUY", "quantity": 10, "price": 812.5},
}


def test_key_order_and_whitespace_do_not_matter() -> None:
    compact = json.dumps(BODY, separators=(",", ":")).encode()
    pretty = json.dumps(BODY, indent=4, sort_keys=True).encode()
    reordered = json.dumps(dict(reversed(list(BODY.items())))).encode()
    expected = fingerprint("POST", "/api/v1/orders", BODY)
    assert fingerprint("POST", "/api/v1/orders", compact) == expected
    assert fingerprint("post", "/api/v1/orders", pretty) == expected
    assert fingerprint("POST", "/api/v1/orders", reordered) == expected
    assert len(expected) == 64
    int(expected, 16)


def test_number_spelling_does_not_matter_but_values_do() -> None:
    def fp(text: str) -> str:
        return fingerprint("POST", "/o", text.encode())

    assert fp('{"p": 812.5}') == fp('{"p": 812.50}') == fp('{"p": 8.125e2}')
    assert fp('{"q": 10}') == fp('{"q": 10.0}')
    assert fingerprint("POST", "/o", {"p": Decimal("812.50")}) == fp('{"p": 812.5}')
    assert fp('{"p": 812.5}') != fp('{"p": 812.55}')
    assert fp('{"q": 10}') != fp('{"q": "10"}')
    assert fp('{"a": 0}') == fp('{"a": -0.0}')


def test_any_change_changes_the_fingerprint() -> None:
    base = fingerprint("POST", "/api/v1/orders", BODY)
    changed = json.loads(json.dumps(BODY))
    changed["order"]["quantity"] = 11
    assert fingerprint("POST", "/api/v1/orders", changed) != base
    assert fingerprint("PUT", "/api/v1/orders", BODY) != base
    assert fingerprint("POST", "/api/v1/orders/x", BODY) != base
    swapped = json.loads(json.dumps(BODY))
    swapped["accounts"].reverse()  # list order is meaningful
    assert fingerprint("POST", "/api/v1/orders", swapped) != base


def test_empty_and_non_json_bodies() -> None:
    assert fingerprint("DELETE", "/o/1", b"") == fingerprint("DELETE", "/o/1", b"  ")
    assert fingerprint("DELETE", "/o/1", b"") == fingerprint("DELETE", "/o/1", b"null")
    raw = fingerprint("POST", "/o", b"not json {")
    assert raw == fingerprint("POST", "/o", b"not json {")
    assert raw != fingerprint("POST", "/o", b"not json  {")
    assert fingerprint("POST", "/o", b"\xff\xfe") != raw


def test_canonical_json_of_python_values() -> None:
    class Side(enum.Enum):
        BUY = "BUY"

    assert (
        canonical_json({"b": [1, True, None], "a": Side.BUY, "d": date(2025, 1, 30)})
        == '{"a":"BUY","b":[1,true,null],"d":"2025-01-30"}'
    )
    assert canonical_json({"x": Decimal("1E+3")}) == '{"x":1000}'
    with pytest.raises(TypeError, match="keys must be strings"):
        canonical_json({1: "a"})
    with pytest.raises(TypeError, match="type object"):
        canonical_json({"a": object()})
    with pytest.raises(ValueError, match="non-finite"):
        canonical_json({"a": float("nan")})


@pytest.mark.parametrize("key", ["a", "order-2025-01-30-0001", "x" * 255, "with space", "~!{}"])
def test_valid_keys(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "must not be empty"),
        ("x" * 256, "at most 255"),
        ("caf\u00e9", "printable ASCII"),
        ("tab\there", "printable ASCII"),
        ("new\nline", "printable ASCII"),
        (" leading", "start or end with a space"),
        ("trailing ", "start or end with a space"),
    ],
)
def test_invalid_keys(key: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_key(key)


def test_in_flight_registry_claims_once_per_scope_and_key() -> None:
    registry = InFlightRegistry()
    assert registry.claim_local("token-a", "k1")
    assert not registry.claim_local("token-a", "k1")
    assert registry.claim_local("token-b", "k1")  # keys are scoped to the API token
    assert registry.in_flight("token-a", "k1")
    assert len(registry) == 2
    registry.release_local("token-a", "k1")
    registry.release_local("token-a", "k1")  # harmless
    assert not registry.in_flight("token-a", "k1")
    assert registry.claim_local("token-a", "k1")


async def test_concurrent_duplicates_collapse_to_one() -> None:
    registry = InFlightRegistry()
    executed = 0
    outcomes: list[str] = []

    async def request() -> None:
        nonlocal executed
        with registry.claimed("token-a", "same-key") as owned:
            if not owned:
                outcomes.append("409")
                return
            executed += 1
            await asyncio.sleep(0)  # the database claim and broker call
            outcomes.append("201")

    await asyncio.gather(*(request() for _ in range(50)))
    assert executed == 1
    assert outcomes.count("201") == 1
    assert outcomes.count("409") == 49
    assert len(registry) == 0


def test_claimed_does_not_release_someone_elses_claim() -> None:
    registry = InFlightRegistry()
    assert registry.claim_local("t", "k")
    with registry.claimed("t", "k") as owned:
        assert not owned
    assert registry.in_flight("t", "k")
