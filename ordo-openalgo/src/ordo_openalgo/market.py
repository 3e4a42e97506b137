"""Market data and instruments in OpenAlgo's shapes (read from the first account), ping and
the analyzer mode."""

from __future__ import annotations

from typing import Any

from ordo.domain import Instrument, Quote, SymbolRef

from ordo_openalgo import bodies, translate
from ordo_openalgo.common import Services, first_success
from ordo_openalgo.errors import FacadeError
from ordo_openalgo.facade import Facade
from ordo_openalgo.keys import Caller

Answer = tuple[dict[str, Any], int]
SEARCH_LIMIT = 200


def _ref(symbol: str, exchange: str) -> SymbolRef:
    return SymbolRef(exchange=translate.exchange(exchange), symbol=translate.symbol(symbol))


async def _quotes(
    facade: Facade, svc: Services, caller: Caller, refs: list[SymbolRef]
) -> list[Quote]:
    lead = svc.accounts(facade.config, caller)[:1]
    quotes: list[Quote] = first_success(await svc.reads.quotes(lead, refs)).data
    return quotes


async def quotes(facade: Facade, svc: Services, caller: Caller, body: bodies.SymbolQuery) -> Answer:
    ref = _ref(body.symbol, body.exchange)
    found = [q for q in await _quotes(facade, svc, caller, [ref]) if q.symbol == ref.symbol]
    if not found:
        raise FacadeError(f"no quote for {ref.exchange.value}:{ref.symbol}", 404)
    return {"status": "success", "data": translate.quote_data(found[0])}, 200


async def multi_quotes(
    facade: Facade, svc: Services, caller: Caller, body: bodies.MultiQuotes
) -> Answer:
    refs = [_ref(s.symbol, s.exchange) for s in body.symbols]
    by_ref = {(q.exchange, q.symbol): q for q in await _quotes(facade, svc, caller, refs)}
    results = []
    for ref in refs:
        quote = by_ref.get((ref.exchange, ref.symbol))
        row: dict[str, Any] = {"symbol": ref.symbol, "exchange": ref.exchange.value}
        if quote is None:
            row["error"] = "no quote for this symbol"
        else:
            row["data"] = translate.quote_data(quote)
        results.append(row)
    return {"status": "success", "results": results}, 200


async def _search(facade: Facade, svc: Services, caller: Caller, query: str) -> list[Instrument]:
    lead = svc.accounts(facade.config, caller)[:1]
    found: list[Instrument] = first_success(
        await svc.reads.search(lead, query.strip().upper(), SEARCH_LIMIT)
    ).data
    return found


async def search(facade: Facade, svc: Services, caller: Caller, body: bodies.Search) -> Answer:
    exchange = translate.exchange(body.exchange) if body.exchange else None
    rows = [
        translate.instrument_row(i)
        for i in await _search(facade, svc, caller, body.query)
        if exchange is None or i.exchange is exchange
    ]
    return {
        "status": "success",
        "message": f"Found {len(rows)} matching symbols",
        "data": rows,
    }, 200


async def symbol(facade: Facade, svc: Services, caller: Caller, body: bodies.SymbolQuery) -> Answer:
    ref = _ref(body.symbol, body.exchange)
    for instrument in await _search(facade, svc, caller, ref.symbol):
        if instrument.exchange is ref.exchange and instrument.symbol == ref.symbol:
            return {"status": "success", "data": translate.instrument_row(instrument)}, 200
    raise FacadeError(f"symbol {ref.symbol} not found on {ref.exchange.value}", 404)


async def expiry(facade: Facade, svc: Services, caller: Caller, body: bodies.Expiry) -> Answer:
    exchange = translate.exchange(body.exchange)
    underlying = translate.symbol(body.symbol)
    kinds = translate.derivative_kinds(body.instrumenttype)
    dates = sorted(
        {
            i.expiry
            for i in await _search(facade, svc, caller, underlying)
            if i.expiry is not None
            and i.exchange is exchange
            and i.instrument_type in kinds
            and (i.underlying or "").upper() == underlying
        }
    )
    if not dates:
        raise FacadeError(
            f"no {body.instrumenttype} expiries for {underlying} on {exchange.value}", 404
        )
    return {
        "status": "success",
        "message": f"Found {len(dates)} expiry dates for {underlying} "
        f"{body.instrumenttype.lower()} in {exchange.value}",
        "data": [translate.expiry_to_openalgo(d) for d in dates],
    }, 200


async def ping(facade: Facade, svc: Services, caller: Caller, body: bodies.Body) -> Answer:
    accounts = svc.accounts(facade.config, caller)
    brokers = ",".join(dict.fromkeys(a.adapter_id for a in accounts))
    return {"status": "success", "data": {"broker": brokers, "message": "pong"}}, 200


def _analyzer(caller: Caller) -> dict[str, Any]:
    return {
        "analyze_mode": caller.analyze,
        "mode": "analyze" if caller.analyze else "live",
        "total_logs": caller.analyzer_orders,
    }


async def analyzer_status(
    facade: Facade, svc: Services, caller: Caller, body: bodies.Body
) -> Answer:
    return {"status": "success", "data": _analyzer(caller)}, 200


async def analyzer_toggle(
    facade: Facade, svc: Services, caller: Caller, body: bodies.AnalyzerToggle
) -> Answer:
    """Switch the key between its paper accounts (analyze) and all its accounts (live), in
    this process; a key configured ``analyzer: true`` stays on paper."""
    try:
        wanted = body.analyze()
    except ValueError as exc:
        raise FacadeError(str(exc)) from None
    if not wanted and caller.key.analyzer:
        raise FacadeError(
            "this apikey is limited to paper accounts by Ordo's config (openalgo.keys[].analyzer)",
            403,
        )
    if wanted:
        svc.accounts(facade.config, _probe(caller))
    caller.analyze = wanted
    mode = "analyze" if wanted else "live"
    return {
        "status": "success",
        "data": {**_analyzer(caller), "message": f"Analyzer mode switched to {mode}"},
    }, 200


def _probe(caller: Caller) -> Caller:
    """The caller as it would be in analyze mode (to check it has a paper account)."""
    return Caller(caller.index, caller.key, analyze=True)
