"""Broker logins as a state machine per account, the encrypted session store, expiry,
refresh and unattended TOTP login (FR4-FR7, NFR6, NFR9).

Challenges live in memory only: an OTP or an intermediate broker token never reaches the
database, a log line or an audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pyotp
from loguru import logger

from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import AuthFailed, BrokerError, SessionExpired
from ordo.audit.events import AuditEmitter
from ordo.domain import BrokerSession, ChallengeKind, LoginChallenge, SessionState
from ordo.orchestrator.accounts import Account, AccountSet
from ordo.orchestrator.errors import OrdoError
from ordo.orchestrator.guard import CallGuard, CallKind
from ordo.persistence.db import Database
from ordo.persistence.sessions import SessionRepository
from ordo.safety.deadline import Deadline
from ordo.safety.retry import WRITE_RETRY_ON, RetryPolicy, call_with_retry
from ordo.sessions.crypto import SecretBox, decrypt_session, encrypt_session
from ordo.sessions.trading_day import PreviousDaySession, from_earlier_day, trading_day

MAX_ANSWER_ATTEMPTS = 3
LOGIN_DEADLINE_SECONDS = 10.0
REFRESH_AHEAD = timedelta(minutes=10)


@dataclass
class Pending:
    challenge: LoginChallenge
    attempts: int = 0


def describe_challenge(challenge: LoginChallenge) -> dict[str, Any]:
    return {
        "challenge_id": challenge.challenge_id,
        "kind": challenge.kind.value,
        "prompt": challenge.prompt,
        "expires_at": challenge.expires_at.isoformat(),
        "url": challenge.url,
        "resendable": challenge.resendable,
    }


def describe_session(session: BrokerSession) -> dict[str, Any]:
    return {
        "logged_in_at": session.logged_in_at.isoformat(),
        "expires_at": session.expires_at.isoformat() if session.expires_at else None,
    }


class SessionManager:
    """Logs accounts in, keeps their sessions encrypted, and watches them expire."""

    def __init__(
        self,
        accounts: AccountSet,
        gateway: CallGuard,
        db: Database,
        box: SecretBox,
        emitter: AuditEmitter,
        *,
        totp_secrets: dict[str, str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.accounts = accounts
        self.gateway = gateway
        self.db = db
        self.box = box
        self.emitter = emitter
        self.clock = clock
        self._totp = dict(totp_secrets or {})
        self._pending: dict[str, dict[str, Pending]] = {}
        self._expired: set[str] = set()
        self.last_login: dict[str, datetime] = {}
        for secret in self._totp.values():
            emitter.secrets.add(secret)

    # -- state --------------------------------------------------------------------------
    def state(self, account: Account) -> SessionState:
        session = account.adapter.session
        now = self.clock()
        live = (
            session is not None
            and not session.is_expired(now)
            and not from_earlier_day(session, now)
        )
        if live and account.name not in self._expired:
            return SessionState.ACTIVE
        if self._pending.get(account.name):
            return SessionState.PENDING_CHALLENGE
        if session is not None or account.name in self._expired:
            return SessionState.EXPIRED
        return SessionState.NONE

    def pending(self, account: Account) -> list[LoginChallenge]:
        """The account's challenges still waiting for an answer (expired ones left out)."""
        now = self.clock()
        waiting = self._pending.get(account.name, {}).values()
        return [p.challenge for p in waiting if not p.challenge.is_expired(now)]

    # -- login steps --------------------------------------------------------------------
    async def begin(self, account: Account) -> dict[str, Any]:
        """Start a login; answers TOTP challenges itself when the account has a seed."""
        self._pending.pop(account.name, None)
        # Starting a login has no lasting effect, so a transient failure is simply retried.
        step = await call_with_retry(
            lambda: self.gateway.call(
                account, "begin_login", account.adapter.begin_login, kind=CallKind.LOGIN
            ),
            deadline=Deadline.after(LOGIN_DEADLINE_SECONDS),
            policy=RetryPolicy(),
            retry_on=WRITE_RETRY_ON,
        )
        self._audit_step(account, "begin", step)
        return await self._advance(account, step)

    async def answer(self, account: Account, challenge_id: str, answer: str) -> dict[str, Any]:
        pending = self._find(account, challenge_id)
        self.emitter.secrets.add(answer)
        pending.attempts += 1
        try:
            step = await self.gateway.call(
                account,
                "complete_login",
                lambda: account.adapter.complete_login(pending.challenge, answer),
                kind=CallKind.LOGIN,
            )
        except AuthFailed as exc:
            left = MAX_ANSWER_ATTEMPTS - pending.attempts
            self._audit(account, "login.failed", reason=exc.code, attempts_left=max(left, 0))
            if left <= 0:
                self._pending.get(account.name, {}).pop(challenge_id, None)
                # Not 429: clients retry a 429, and a retry finds the challenge gone.
                raise OrdoError(
                    "LOGIN_ATTEMPTS_EXCEEDED",
                    f"account {account.name!r}: too many wrong answers; start the login again",
                    http_status=422,
                ) from None
            raise OrdoError(
                "WRONG_ANSWER",
                f"account {account.name!r}: the broker refused the answer ({exc.message}); "
                f"{left} attempt(s) left",
                http_status=422,
                details={"attempts_left": left, "challenge_id": challenge_id},
            ) from None
        self._pending.get(account.name, {}).pop(challenge_id, None)
        self._audit_step(account, "answer", step)
        return await self._advance(account, step)

    async def resend(self, account: Account, challenge_id: str) -> dict[str, Any]:
        pending = self._find(account, challenge_id)
        fresh = await self.gateway.call(
            account,
            "resend_challenge",
            lambda: account.adapter.resend_challenge(pending.challenge),
            kind=CallKind.LOGIN,
        )
        # A logout may have dropped the account's challenges meanwhile.
        self._pending.get(account.name, {}).pop(challenge_id, None)
        self._audit_step(account, "resend", fresh)
        return await self._advance(account, fresh)

    async def logout(self, account: Account) -> dict[str, Any]:
        self._pending.pop(account.name, None)
        if account.adapter.session is not None:
            try:
                await self.gateway.call(
                    account, "logout", account.adapter.logout, kind=CallKind.LOGIN
                )
            except BrokerError as exc:  # the broker may already consider it gone
                logger.info("logout of {} at the broker failed: {}", account.name, exc.code)
        account.adapter.restore_session(None)
        self._expired.discard(account.name)
        async with self.db.session() as s:
            await SessionRepository(s).delete(account.name)
        self._audit(account, "session.ended", reason="logout")
        return {"state": SessionState.NONE.value}

    def _find(self, account: Account, challenge_id: str) -> Pending:
        pending = self._pending.get(account.name, {}).get(challenge_id)
        if pending is None:
            raise OrdoError(
                "CHALLENGE_NOT_FOUND",
                f"account {account.name!r} has no pending challenge {challenge_id!r}; "
                "start the login again",
                http_status=404,
            )
        if pending.challenge.is_expired(self.clock()):
            self._pending.get(account.name, {}).pop(challenge_id, None)
            raise OrdoError(
                "CHALLENGE_EXPIRED",
                f"challenge {challenge_id!r} of account {account.name!r} expired at "
                f"{pending.challenge.expires_at.isoformat()}; start the login again",
                http_status=410,
            )
        return pending

    async def _advance(
        self, account: Account, step: LoginChallenge | BrokerSession
    ) -> dict[str, Any]:
        # Unattended TOTP: bounded so a broker that keeps asking cannot loop us forever.
        for _ in range(4):
            if isinstance(step, BrokerSession):
                await self.adopt(account, step)
                return {"state": SessionState.ACTIVE.value, "session": describe_session(step)}
            seed = self._totp.get(account.name)
            if step.kind is not ChallengeKind.TOTP or seed is None:
                self._pending.setdefault(account.name, {})[step.challenge_id] = Pending(step)
                return {
                    "state": SessionState.PENDING_CHALLENGE.value,
                    "challenge": describe_challenge(step),
                }
            step = await self.gateway.call(
                account,
                "complete_login",
                partial(account.adapter.complete_login, step, pyotp.TOTP(seed).now()),
                kind=CallKind.LOGIN,
            )
            self._audit_step(account, "totp_auto", step)
        raise OrdoError(
            "LOGIN_FAILED", f"account {account.name!r}: login did not converge", http_status=502
        )

    # -- sessions -------------------------------------------------------------------------
    async def adopt(self, account: Account, session: BrokerSession) -> None:
        """Make ``session`` the account's session and store it encrypted."""
        self.emitter.secrets.add(
            session.access_token.get_secret_value(),
            session.refresh_token.get_secret_value() if session.refresh_token else None,
        )
        account.adapter.restore_session(session)
        self._expired.discard(account.name)
        self._pending.pop(account.name, None)
        self.last_login[account.name] = session.logged_in_at
        async with self.db.session() as s:
            await SessionRepository(s).save(
                account=account.name,
                adapter=account.adapter_id,
                state=SessionState.ACTIVE.value,
                encrypted=encrypt_session(self.box, session),
                logged_in_at=session.logged_in_at,
                expires_at=session.expires_at,
            )
        self._audit(
            account,
            "session.active",
            logged_in_at=session.logged_in_at.isoformat(),
            trading_day=trading_day(session.logged_in_at).isoformat(),
            expires_at=session.expires_at.isoformat() if session.expires_at else None,
        )

    async def restore_all(self) -> None:
        """Hand stored, unexpired sessions back to their adapters after a restart."""
        async with self.db.session() as s:
            records = await SessionRepository(s).all()
        for record in records:
            if record.account not in self.accounts.names() or not record.encrypted_session:
                continue
            account = self.accounts.get(record.account)
            if record.adapter != account.adapter_id:
                continue
            session = decrypt_session(self.box, record.encrypted_session)
            self.emitter.secrets.add(session.access_token.get_secret_value())
            account.adapter.restore_session(session)
            self.last_login[account.name] = session.logged_in_at
            now = self.clock()
            if (
                record.state == SessionState.EXPIRED.value
                or session.is_expired(now)
                or from_earlier_day(session, now)
            ):
                self._expired.add(account.name)

    async def end_day(self, account: Account) -> None:
        """Day end: log the account's session out at the broker (adapters without a broker
        logout just drop it) and mark it expired here, so nothing uses it before the next
        login. An account without a session has nothing to end."""
        self._pending.pop(account.name, None)
        session = account.adapter.session
        if session is None and account.name not in self._expired:
            return
        outcome = "not_needed"
        if session is not None:
            try:
                await self.gateway.call(
                    account, "logout", account.adapter.logout, kind=CallKind.LOGIN
                )
                outcome = "ok"
            except BrokerError as exc:  # the token may be dead already: it ends here anyway
                outcome = exc.code
                logger.info("day-end logout of {} at the broker failed: {}", account.name, exc)
        account.adapter.restore_session(None)
        self._expired.discard(account.name)
        await self.mark_expired(account, "day_end", broker_logout=outcome)

    async def mark_expired(self, account: Account, reason: str, **payload: Any) -> None:
        """Record that the account's session ended (clock, a broker 401, day end)."""
        if account.name in self._expired:
            return
        self._expired.add(account.name)
        session = account.adapter.session
        async with self.db.session() as s:
            await SessionRepository(s).save(
                account=account.name,
                adapter=account.adapter_id,
                state=SessionState.EXPIRED.value,
                encrypted=encrypt_session(self.box, session) if session else None,
                logged_in_at=session.logged_in_at if session else None,
                expires_at=session.expires_at if session else None,
            )
        self._audit(account, "session.expired", reason=reason, **payload)

    async def on_broker_expired(self, account: Account, exc: SessionExpired) -> None:
        """Gateway listener: the broker said the token is no longer valid. Accounts that can
        log in without a person do so at once, so the next request finds a session. Ordo's
        own refusal of a previous trading day's session takes the same road."""
        reason = "previous_trading_day" if isinstance(exc, PreviousDaySession) else "broker"
        await self.mark_expired(account, reason)
        if self.can_login_unattended(account):
            await self.login_quietly(account)

    def can_login_unattended(self, account: Account) -> bool:
        """The adapter's settings suffice (a seed and PIN there), or the account's own
        config holds a TOTP seed that the core answers challenges with."""
        return account.adapter.logs_in_unattended() or account.name in self._totp

    async def login_quietly(self, account: Account) -> None:
        """An unattended login whose failure is audited and logged, never raised."""
        try:
            await self.begin(account)
        except (BrokerError, OrdoError) as exc:
            self._audit(account, "login.failed", reason=getattr(exc, "code", "ERROR"))
            logger.warning("unattended login of {} failed: {}", account.name, exc)
        except Exception as exc:
            # An adapter bug must not stop the server starting or turn a request into a 500.
            self._audit(account, "login.failed", reason="INTERNAL_ERROR")
            logger.opt(exception=exc).error("unattended login of {} crashed", account.name)

    async def sweep(self) -> None:
        """Refresh sessions close to expiry where the broker allows it; mark ended ones."""
        now = self.clock()
        for account in self.accounts:
            session = account.adapter.session
            if session is None or account.name in self._expired:
                continue
            if from_earlier_day(session, now):
                await self.mark_expired(account, "previous_trading_day")
                continue
            if session.expires_at is None:
                continue
            refreshable = account.adapter.supports(Capability.SESSION_REFRESH)
            if refreshable and session.expires_at - now <= REFRESH_AHEAD:
                try:
                    fresh = await self.gateway.call(
                        account,
                        "refresh",
                        partial(account.adapter.refresh, session),
                        kind=CallKind.LOGIN,
                    )
                except BrokerError as exc:
                    self._audit(account, "session.refresh_failed", reason=exc.code)
                else:
                    await self.adopt(account, fresh)
                    self._audit(account, "session.refreshed")
                    continue
            if session.is_expired(now):
                await self.mark_expired(account, "clock")

    async def login_unattended(self) -> None:
        """Log in every account that can log in unattended (the daily schedule), whichever
        level of its config holds the TOTP seed."""
        for account in list(self.accounts):
            if self.can_login_unattended(account):
                await self.login_quietly(account)

    # -- audit ------------------------------------------------------------------------------
    def _audit(self, account: Account, kind: str, **payload: Any) -> None:
        self.emitter.emit(kind, account=account.name, adapter=account.adapter_id, **payload)

    def _audit_step(
        self, account: Account, step: str, result: LoginChallenge | BrokerSession
    ) -> None:
        outcome = (
            {"outcome": "session"}
            if isinstance(result, BrokerSession)
            else {"outcome": "challenge", "challenge_kind": result.kind.value}
        )
        self._audit(account, "login.step", step=step, **outcome)
