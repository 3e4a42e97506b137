"""Schemathesis hooks for Ordo's contract run (loaded through ``SCHEMATHESIS_HOOKS``).

Schemathesis's own ``positive_data_acceptance`` cannot tell a request refused for its
*shape* from one refused for the *state* it meets: an Idempotency-Key already used with
another body (422, as the IETF draft prescribes), an instrument the paper broker does not
list, the kill switch a previous case turned on (423). Those refusals are correct. The
configuration therefore lets 422/423 pass that check, and this stricter check fails any
schema-valid request refused with a *validation* error code: the document promised the
request was well formed, so validation must accept it.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

VALIDATION_CODES = frozenset(
    {
        "VALIDATION_ERROR",
        "MALFORMED_JSON",
        "UNKNOWN_FIELD",
        "MISSING_FIELD",
        "INVALID_VALUE",
        "INVALID_QUANTITY",
        "INVALID_PRICE",
        "INVALID_SYMBOL",
        "INVALID_CURSOR",
        "UNSUPPORTED_MEDIA_TYPE",
        "METHOD_NOT_ALLOWED",
        "BAD_REQUEST",
    }
)


@schemathesis.check
def schema_valid_request_passes_validation(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 405, 415, 422):
        return None
    try:
        code = json.loads(response.content).get("error_code")
    except (ValueError, AttributeError):
        code = None
    if code in VALIDATION_CODES:
        raise AssertionError(
            f"a request the schema allows was refused as invalid: {response.status_code} "
            f"{code}: {response.content[:300]!r}"
        )
    return None
