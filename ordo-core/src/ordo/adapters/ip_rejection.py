"""Recognising a broker's "IP not allowed" answer (SEBI's static-IP rule, in force since
1 April 2026) and the one error every adapter turns it into, ``IpNotWhitelisted``.

Brokers word the refusal differently and most do not publish the text, so each adapter
keeps a table of the texts it knows (with their source) and exposes them as a setting,
``ip_rejection_patterns``: case-insensitive regular expressions an operator can extend when
the broker's real wording turns out different. They are checked before the adapter's other
rules, because the same reply is otherwise read as an API-key or session problem.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator

from ordo.errors import IpNotWhitelisted

GENERIC_PATTERNS: tuple[str, ...] = (
    r"\bstatic ip\b",
    r"\bip\b.{0,80}?\bnot (?:allowed|whitelisted|registered|matching|authori[sz]ed)",
    r"\bnot whitelisted\b",
    r"\bsession ip does not match\b",
)
"""Wordings seen across Indian brokers (regulation fact sheet: Zerodha "IP (…) is not
allowed", Upstox "Static IP not whitelisted", Kotak "session ip does not match", m.Stock
"… IP Address are not matching …"); each adapter's defaults start from these."""

UNKNOWN_IP = "observed IP unknown"
_IP_IN_TEXT = re.compile(r"[0-9A-Fa-f:.]{3,}[0-9A-Fa-f]")


def _all_compile(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {pattern!r} ({exc})") from None
    return patterns


IpRejectionPatterns = Annotated[list[str], AfterValidator(_all_compile)]
"""The type of an adapter's ``ip_rejection_patterns`` setting (each must compile)."""


class IpRejection:
    """Case-insensitive matcher over a broker's error text."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self._patterns = tuple(re.compile(p, re.IGNORECASE) for p in patterns)

    def matches(self, text: str) -> bool:
        return any(p.search(text) for p in self._patterns)


def ip_named_in(text: str) -> str | None:
    """The first IPv4 or IPv6 address a broker's message names (Zerodha's "IP (…) is not
    allowed" does), or ``None``."""
    for candidate in _IP_IN_TEXT.findall(text):
        try:
            return str(ipaddress.ip_address(candidate.strip(".:")))
        except ValueError:
            continue
    return None


def ip_not_whitelisted(
    broker: str,
    account: str,
    broker_message: str,
    *,
    broker_code: str | None = None,
    observed_ip: str | None = None,
) -> IpNotWhitelisted:
    """The error for a refused source address, naming the account and the observed IP
    (given, or named in the broker's own text)."""
    ip = observed_ip or ip_named_in(broker_message)
    seen = f"observed IP {ip}" if ip else UNKNOWN_IP
    return IpNotWhitelisted(
        f"{broker} refused the source address of account {account!r} ({seen}): it is not an "
        f"IP registered for the account; broker said: {broker_message or 'nothing'}",
        account=account,
        observed_ip=ip,
        broker_code=broker_code,
    )


def with_observed_ip(error: IpNotWhitelisted, ip: str) -> IpNotWhitelisted:
    """``error`` naming ``ip`` as the observed IP (the core knows it from the account's egress
    observation when the broker's text does not say); unchanged when it names one already."""
    if error.observed_ip is not None:
        return error
    seen = f"observed IP {ip}"
    if UNKNOWN_IP in error.message:
        message = error.message.replace(UNKNOWN_IP, seen, 1)
    else:
        message = f"{error.message} ({seen})"
    return IpNotWhitelisted(
        message, account=error.account, observed_ip=ip, broker_code=error.broker_code
    )
