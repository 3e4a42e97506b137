"""Quotes and instrument search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId, SelectedAccounts
from ordo.api.services import Reads
from ordo.domain import Exchange, Instrument, Quote, SymbolError, SymbolRef
from ordo.orchestrator.errors import OrdoError

router = APIRouter(tags=["market data"])
MAX_SYMBOLS = 200
_EXCHANGES = "|".join(sorted((e.value for e in Exchange), key=len, reverse=True))
_ONE_SYMBOL = rf"\s*({_EXCHANGES}):[A-Za-z0-9&._-]+\s*"
SYMBOLS_PATTERN = rf"^{_ONE_SYMBOL}(,{_ONE_SYMBOL})*$"
"""What the parameter must look like (the document says it, validation enforces it)."""


def parse_symbols(text: str) -> list[SymbolRef]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise OrdoError(
            "MISSING_FIELD", "symbols: give at least one EXCHANGE:SYMBOL", http_status=422
        )
    if len(parts) > MAX_SYMBOLS:
        raise OrdoError(
            "TOO_MANY_SYMBOLS", f"symbols: at most {MAX_SYMBOLS} per request", http_status=422
        )
    refs = []
    for part in parts:
        try:
            refs.append(SymbolRef.parse(part))
        except ValueError:
            raise OrdoError(
                "INVALID_SYMBOL",
                f"symbols: {part!r} is not EXCHANGE:SYMBOL with a known exchange "
                f"({', '.join(e.value for e in Exchange)}), for example NSE:SBIN",
                http_status=422,
            ) from None
    return list(dict.fromkeys(refs))


@router.get(
    "/quotes",
    operation_id="get_quotes",
    summary="Snapshot quotes (LTP, OHLC) per account",
    response_model=envelope.FanoutEnvelope[list[Quote | SymbolError]],
)
async def get_quotes(
    reads: Reads,
    request_id: RequestId,
    accounts: SelectedAccounts,
    _: Principal,
    symbols: Annotated[
        str,
        Query(
            description="Comma-separated EXCHANGE:SYMBOL list",
            examples=["NSE:SBIN"],
            pattern=SYMBOLS_PATTERN,
        ),
    ],
) -> JSONResponse:
    refs = parse_symbols(symbols)
    results = await reads.quotes(accounts, refs)
    return envelope.fanout(request_id, results)


@router.get(
    "/instruments/search",
    operation_id="search_instruments",
    summary="Search each account's instrument master by symbol or name",
    response_model=envelope.FanoutEnvelope[list[Instrument]],
)
async def search_instruments(
    reads: Reads,
    request_id: RequestId,
    accounts: SelectedAccounts,
    _: Principal,
    q: Annotated[str, Query(min_length=1, max_length=64, examples=["SBIN"])],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> JSONResponse:
    results = await reads.search(accounts, q, limit)
    return envelope.fanout(request_id, results)
