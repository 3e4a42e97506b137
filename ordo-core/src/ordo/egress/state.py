"""What Ordo knows about one account's egress: the configured route, the IP last observed
through it and whether that IP is one the broker has on file. Plain values, read by
``/status``, the metrics and the pre-trade gate."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from ordo.adapters.egress import Egress


class EgressState(StrEnum):
    """How the observed egress IP compares with the registered ones."""

    MATCH = "match"
    """The observed IP is one of ``registered_ips``."""
    DRIFT = "drift"
    """The observed IP is none of them: the broker will refuse the account's orders."""
    UNKNOWN = "unknown"
    """Not observed (no echo URL configured, or the echo failed)."""


def judge(observed: str | None, registered: Iterable[str]) -> EgressState:
    """``match``/``drift`` for an observed IP, ``unknown`` without one. Addresses compare
    as addresses (``::ffff:1.2.3.4`` is ``1.2.3.4``)."""
    if observed is None:
        return EgressState.UNKNOWN
    seen = _address(observed)
    return (
        EgressState.MATCH if any(_address(ip) == seen for ip in registered) else EgressState.DRIFT
    )


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    address = ipaddress.ip_address(text)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class EgressObservation:
    """One account's egress and the last observation made through it."""

    egress: Egress
    state: EgressState = EgressState.UNKNOWN
    observed_ip: str | None = None
    checked_at: datetime | None = None
    problem: str | None = None
    """Why the state is ``unknown`` (or what the drift is), for people."""
    blocking: bool = False
    """Orders on the account are refused (drift under ``on_drift: block``)."""

    def as_status(self) -> dict[str, Any]:
        """The ``egress`` entry of the account in ``/status`` (no proxy credentials)."""
        egress = self.egress
        return {
            "route": egress.describe(),
            "source_address": egress.source_address,
            "proxy": egress.proxy,
            "registered_ips": list(egress.registered_ips),
            "family": egress.family,
            "observed_ip": self.observed_ip,
            "state": self.state.value,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "problem": self.problem,
            "blocking": self.blocking,
        }
