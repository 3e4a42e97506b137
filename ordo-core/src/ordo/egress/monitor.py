"""``EgressMonitor``: learns each account's observed egress IP through the account's own
egress and compares it with the registered IPs.

It observes at start and again before the first order of each IST day (a static IP can
change overnight, and the broker checks every order against it). A drift is an audit event
(``egress.drift``) and, under ``egress_check.on_drift: block``, refuses the account's orders
with ``IP_NOT_WHITELISTED`` before anything is sent. While an account is blocked, an order
attempt observes again at most once a minute, so a fixed egress unblocks it without a
restart. An echo that fails leaves the state ``unknown``, which never blocks: the broker
is the final judge, and a broken echo service must not stop trading.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import httpx
from loguru import logger

from ordo.adapters.clock import IST
from ordo.adapters.egress import Egress
from ordo.audit.events import AuditEmitter
from ordo.config.egress import EgressCheckConfig, ip_literal
from ordo.egress.state import EgressObservation, EgressState, judge
from ordo.errors import IpNotWhitelisted
from ordo.orchestrator.accounts import AccountSet

DRIFT_RECHECK = timedelta(seconds=60)
"""How often, at most, an order on a blocked account observes the egress again."""

TransportFor = Callable[[Egress], httpx.AsyncBaseTransport]


def parse_echo(response: httpx.Response) -> str:
    """The IP an echo service answered: plain text (``203.0.113.10``) or a JSON object
    with ``ip``. ``ValueError`` for anything else."""
    if response.status_code != 200:
        raise ValueError(f"the echo answered HTTP {response.status_code}")
    text = response.text.strip()
    if text.startswith("{"):
        try:
            body = json.loads(text)
        except ValueError:
            raise ValueError("the echo answered malformed JSON") from None
        value = body.get("ip") if isinstance(body, dict) else None
        if not isinstance(value, str):
            raise ValueError("the echo's JSON has no string 'ip'")
        text = value.strip()
    try:
        return ip_literal(text)
    except ValueError:
        raise ValueError("the echo answered no IP address") from None


class EgressMonitor:
    """Observes, judges and gates the egress of every account that has one."""

    def __init__(
        self,
        accounts: AccountSet,
        config: EgressCheckConfig,
        emitter: AuditEmitter,
        *,
        transport_for: TransportFor | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.accounts = accounts
        self.config = config
        self.emitter = emitter
        self._transport_for = transport_for or (lambda egress: egress.httpx_transport())
        self.now = now
        """The clock (UTC); tests move it to a later IST day."""
        self._locks: dict[str, asyncio.Lock] = {}
        self._observed_on: dict[str, date] = {}

    def track(self, account: str, egress: Egress) -> None:
        """Start following ``account``'s egress (state ``unknown`` until observed)."""
        problem = None if self.config.url else "no egress_check.url configured"
        self.accounts.get(account).egress = EgressObservation(egress, problem=problem)
        self._locks[account] = asyncio.Lock()

    def tracked(self) -> list[str]:
        return [name for name in self._locks]

    async def check_all(self) -> None:
        """Observe every tracked account now, concurrently (at start)."""
        await asyncio.gather(*(self.check(name) for name in self.tracked()))

    async def check(self, account: str) -> EgressObservation:
        """Observe ``account``'s egress IP now, record and audit the verdict."""
        current = self._observation(account)
        if current is None:
            raise KeyError(f"account {account!r} has no egress")
        if not self.config.url:
            return current
        now = self.now()
        observed: str | None = None
        problem: str | None = None
        try:
            observed = await self._observe(current.egress, self.config.url)
        except (httpx.HTTPError, ValueError) as exc:
            detail = str(exc) if isinstance(exc, ValueError) else type(exc).__name__
            problem = f"egress check failed: {detail}"
            logger.warning("account {}: {}", account, problem)
        state = judge(observed, current.egress.registered_ips)
        if state is EgressState.DRIFT:
            problem = (
                f"leaving from {observed}, which is not a registered IP "
                f"({', '.join(current.egress.registered_ips)})"
            )
        result = EgressObservation(
            current.egress,
            state=state,
            observed_ip=observed,
            checked_at=now,
            problem=problem,
            blocking=state is EgressState.DRIFT and self.config.on_drift == "block",
        )
        self.accounts.get(account).egress = result
        self._observed_on[account] = now.astimezone(IST).date()
        self._audit(account, result)
        return result

    async def before_order(self, account: str) -> None:
        """The pre-trade gate: observe first if this IST day has not been observed yet (or
        the account is blocked and its last observation is a minute old), then refuse with
        ``IpNotWhitelisted`` when the account is blocked. Accounts without egress pass."""
        if self._observation(account) is None:
            return
        if self.config.url and self._due(account):
            async with self._locks[account]:
                if self._due(account):  # another order may have observed meanwhile
                    await self.check(account)
        observation = self._observation(account)
        if observation is not None and observation.blocking:
            raise IpNotWhitelisted(
                f"account {account!r} leaves from {observation.observed_ip}, not from a "
                f"registered IP ({', '.join(observation.egress.registered_ips)}); its "
                "orders are blocked (egress_check.on_drift: block) until the egress matches",
                account=account,
                observed_ip=observation.observed_ip,
            )

    def _due(self, account: str) -> bool:
        now = self.now()
        if self._observed_on.get(account) != now.astimezone(IST).date():
            return True
        observation = self._observation(account)
        return (
            observation is not None
            and observation.blocking
            and observation.checked_at is not None
            and now - observation.checked_at >= DRIFT_RECHECK
        )

    def _observation(self, account: str) -> EgressObservation | None:
        if account not in self._locks:
            return None
        return self.accounts.get(account).egress

    async def _observe(self, egress: Egress, url: str) -> str:
        timeout = httpx.Timeout(self.config.timeout_seconds)
        async with httpx.AsyncClient(
            transport=self._transport_for(egress), timeout=timeout, follow_redirects=False
        ) as client:
            response = await client.get(url, headers={"Accept": "text/plain, application/json"})
        return parse_echo(response)

    def _audit(self, account: str, observation: EgressObservation) -> None:
        kind = "egress.drift" if observation.state is EgressState.DRIFT else "egress.checked"
        self.emitter.emit(
            kind,
            account=account,
            state=observation.state.value,
            observed_ip=observation.observed_ip,
            registered_ips=list(observation.egress.registered_ips),
            route=observation.egress.describe(),
            blocking=observation.blocking,
            problem=observation.problem,
        )
