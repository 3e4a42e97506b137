"""The {{ cookiecutter.broker_name }} instrument master, kept in memory by unified reference and by
broker token. Replace the loading with your broker's master (a CSV download, a JSON file)
and cache it under the account's ``data_dir`` when it is large."""

from __future__ import annotations

from collections.abc import Iterable

from ordo import Instrument, InstrumentNotFound, SymbolRef


class InstrumentMaster:
    """Every instrument the broker lists, found by ``SymbolRef`` or by broker token."""

    def __init__(self) -> None:
        self._by_ref: dict[SymbolRef, Instrument] = {}
        self._by_token: dict[str, Instrument] = {}

    def __len__(self) -> int:
        return len(self._by_ref)

    def replace(self, instruments: Iterable[Instrument]) -> int:
        """Adopt a freshly loaded master; returns how many instruments it holds."""
        listed = list(instruments)
        self._by_ref = {i.ref: i for i in listed}
        self._by_token = {str(i.broker_token): i for i in listed}
        return len(listed)

    def get(self, ref: SymbolRef) -> Instrument:
        try:
            return self._by_ref[ref]
        except KeyError:
            raise InstrumentNotFound(f"{ref} is not in the {{ cookiecutter.broker_name }} master") from None

    def by_token(self, token: str) -> Instrument:
        try:
            return self._by_token[token]
        except KeyError:
            raise InstrumentNotFound(f"token {token} is not in the master") from None
