"""What the console adds to the login machinery of ``ordo.sessions``: the right input for
each challenge, a first check of the answer before the broker sees it, and "log in all"
walking every account in turn. Logging in itself is ``SessionManager``'s alone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ordo.domain import ChallengeKind, LoginChallenge, SessionState

DIGIT_CODE = re.compile(r"^[0-9]{4,8}$")
DIGIT_KINDS = frozenset({ChallengeKind.OTP, ChallengeKind.TOTP, ChallengeKind.PIN})
REDIRECT_KINDS = frozenset({ChallengeKind.REDIRECT_URL})


@dataclass(frozen=True)
class AnswerInput:
    """How the answer's ``<input>`` is drawn: a phone shows the digit pad for codes and
    offers the OTP it just received by SMS (``autocomplete=one-time-code``)."""

    label: str
    type: str
    inputmode: str
    autocomplete: str
    pattern: str | None = None
    maxlength: int | None = None
    css: str = ""


INPUTS = {
    ChallengeKind.OTP: AnswerInput(
        "One-time code", "text", "numeric", "one-time-code", "[0-9]{4,8}", 8, "code"
    ),
    ChallengeKind.TOTP: AnswerInput(
        "Authenticator code", "text", "numeric", "one-time-code", "[0-9]{4,8}", 8, "code"
    ),
    ChallengeKind.PIN: AnswerInput("PIN", "password", "numeric", "off", "[0-9]{4,8}", 8, "code"),
    ChallengeKind.PASSWORD: AnswerInput("Password", "password", "text", "current-password"),
    ChallengeKind.REDIRECT_URL: AnswerInput(
        "The address you were redirected to", "url", "url", "off"
    ),
    ChallengeKind.AUTH_CODE: AnswerInput("Authorisation code", "text", "text", "off"),
}


def input_for(kind: ChallengeKind) -> AnswerInput:
    return INPUTS[kind]


def check_answer(kind: ChallengeKind, answer: str) -> tuple[str, str | None]:
    """(the answer as the broker gets it, or a message saying what is wrong with it).

    Codes and PINs are digits only: an answer with letters never reaches the broker, so a
    typo does not spend one of the login's few attempts."""
    text = answer.strip()
    label = input_for(kind).label.lower()
    if not text:
        return text, f"Enter the {label}."
    if kind in DIGIT_KINDS:
        compact = re.sub(r"[\s-]", "", text)
        if not compact.isascii() or not compact.isdigit():
            return text, f"The {label} is digits only: it cannot contain letters or symbols."
        if not DIGIT_CODE.match(compact):
            return text, f"The {label} has 4 to 8 digits; {len(compact)} were entered."
        return compact, None
    if len(text) > 4096:
        return text, f"The {label} is too long."
    return text, None


def redirect_challenge(pending: list[LoginChallenge]) -> LoginChallenge | None:
    """The newest pending challenge a broker's redirect answers."""
    redirects = [c for c in pending if c.kind in REDIRECT_KINDS]
    return redirects[-1] if redirects else None


@dataclass(frozen=True)
class WalkStep:
    """How one account's login ended during "log in all"."""

    account: str
    ok: bool
    message: str


@dataclass
class LoginWalk:
    """ "Log in all": every account that is not logged in, one after the other."""

    remaining: list[str]
    current: str | None = None
    steps: list[WalkStep] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.current is None and not self.remaining

    def take_next(self) -> str | None:
        self.current = self.remaining.pop(0) if self.remaining else None
        return self.current

    def finish_current(self, ok: bool, message: str) -> None:
        if self.current is not None:
            self.steps.append(WalkStep(self.current, ok, message))
        self.current = None


def accounts_to_walk(states: dict[str, SessionState], *, everyone: bool) -> list[str]:
    """The accounts "log in all" visits, in configuration order: those without an active
    session, or all of them when ``everyone``."""
    return [n for n, s in states.items() if everyone or s is not SessionState.ACTIVE]


class LoginWalks:
    """The walk in progress of each console session (at most one per session)."""

    def __init__(self) -> None:
        self._walks: dict[str, LoginWalk] = {}

    def start(self, session_key: str, accounts: list[str]) -> LoginWalk:
        walk = LoginWalk(remaining=list(accounts))
        self._walks[session_key] = walk
        return walk

    def get(self, session_key: str) -> LoginWalk | None:
        return self._walks.get(session_key)

    def end(self, session_key: str) -> LoginWalk | None:
        return self._walks.pop(session_key, None)

    def in_progress_at(self, account: str) -> list[LoginWalk]:
        """Walks waiting on ``account`` (its login finished at the callback, where the
        console session is not known)."""
        return [w for w in self._walks.values() if w.current == account]
