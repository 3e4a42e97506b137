"""``ordo login``: walk accounts through their broker login on a running gateway (FR5).

Each account's login is a small state machine on the server; this command only relays
challenges to the person at the terminal (or to a script on stdin) and their answers back.
Answers are read without echo where they are secrets, sent once, and never printed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Protocol, TextIO

import typer
from ordo_client import Account, Challenge, ChallengeKind, LoginStep, Ordo, SessionState
from ordo_client.errors import OrdoAPIError, OrdoAuthError
from pydantic import SecretStr
from rich.table import Table

from ordo.cli.display import ist, ist_cell, print_table
from ordo.cli.display import table as new_table
from ordo.cli.remote import (
    DEFAULT_URL,
    EXIT_REFUSED,
    EXIT_UNREACHABLE,
    CaCertsOption,
    CertOption,
    KeyOption,
    TokenOption,
    UrlOption,
    connect,
    connection,
    fail,
    remote_errors,
    stderr,
)

SECRET_KINDS = frozenset(
    {ChallengeKind.OTP, ChallengeKind.TOTP, ChallengeKind.PIN, ChallengeKind.PASSWORD}
)
RESTART_CODES = frozenset({"CHALLENGE_EXPIRED", "CHALLENGE_NOT_FOUND"})
"""The server forgot the challenge (it expired, or the server restarted): begin again."""


def register(app: typer.Typer) -> None:
    app.command("login")(login)


class NoAnswer(Exception):
    """The answer source has nothing more to give (end of stdin)."""


class AnswerSource(Protocol):
    def answer(self, account: str, challenge: Challenge) -> str:
        """The answer to ``challenge`` of ``account``; ``NoAnswer`` when there is none."""
        ...


def _show_redirect(account: str, challenge: Challenge) -> None:
    out = stderr()
    out.print(f"{account}: {challenge.prompt}")
    if challenge.url:
        # Printed plain so a terminal can make it clickable and a person can copy it whole.
        out.print(challenge.url, markup=False, soft_wrap=True)


class PromptAnswers:
    """Asks the person at the terminal; secrets are typed without echo."""

    def answer(self, account: str, challenge: Challenge) -> str:
        if challenge.kind is ChallengeKind.REDIRECT_URL:
            _show_redirect(account, challenge)
            text: str = typer.prompt(
                f"{account}: paste the URL you were redirected to (or the auth code)"
            )
        else:
            text = typer.prompt(
                f"{account} ({challenge.kind.value}): {challenge.prompt}",
                hide_input=challenge.kind in SECRET_KINDS,
            )
        return text.strip()


class StdinAnswers:
    """Reads one answer per line, for scripts (``--answer-from-stdin``)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def answer(self, account: str, challenge: Challenge) -> str:
        if challenge.kind is ChallengeKind.REDIRECT_URL:
            _show_redirect(account, challenge)
        line = self._stream.readline()
        text = line.strip()
        if not text:
            ended = "no more lines" if not line else "an empty line"
            raise NoAnswer(f"stdin gave {ended} for the {challenge.kind.value} challenge")
        return text


@dataclass(frozen=True)
class Outcome:
    """How one account's login ended in this run."""

    account: str
    ok: bool
    detail: str


def walk(client: Ordo, account: str, answers: AnswerSource, max_attempts: int) -> Outcome:
    """Log ``account`` in: answer each challenge, re-ask after a wrong answer up to
    ``max_attempts`` times, and begin again once if a challenge expires. Token and
    connection errors propagate (they concern every account); others end this account."""
    out = stderr()
    try:
        step = client.login(account)
        restarted = False
        wrong = 0
        while not step.active:
            challenge = step.challenge
            if challenge is None:
                return Outcome(account, False, f"the server left the login {step.state.value}")
            try:
                answer = answers.answer(account, challenge)
            except NoAnswer as exc:
                return Outcome(account, False, str(exc))
            try:
                step = client.answer_challenge(account, challenge.challenge_id, SecretStr(answer))
            except OrdoAuthError:
                raise
            except OrdoAPIError as exc:
                if exc.error_code == "WRONG_ANSWER":
                    wrong += 1
                    if wrong >= max_attempts:
                        return Outcome(account, False, f"wrong answer {wrong} time(s); gave up")
                    out.print(f"{account}: {exc.message}; try again", markup=False)
                    continue
                if exc.error_code in RESTART_CODES and not restarted:
                    restarted, wrong = True, 0
                    out.print(f"{account}: {exc.message}; starting once more", markup=False)
                    step = client.login(account)
                    continue
                return Outcome(account, False, f"{exc.error_code}: {exc.message}")
            else:
                wrong = 0
    except OrdoAuthError:
        raise
    except OrdoAPIError as exc:
        return Outcome(account, False, f"{exc.error_code}: {exc.message}")
    return Outcome(account, True, _expiry_note(step))


def _expiry_note(step: LoginStep) -> str:
    if step.session is None or step.session.expires_at is None:
        return "logged in"
    return f"logged in until {_when(step.session.expires_at)}"


def _when(moment: datetime | None) -> str:
    return ist(moment)


def choose_targets(
    configured: Sequence[Account], names: Sequence[str], every_inactive: bool
) -> list[str]:
    """The accounts to log in: ``names`` (each must exist), or with ``every_inactive``
    every account whose session is not active."""
    if every_inactive:
        return [a.name for a in configured if a.session_state is not SessionState.ACTIVE]
    known = {a.name for a in configured}
    unknown = [n for n in names if n not in known]
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        fail(f"unknown account(s): {', '.join(unknown)} (configured: {listed})", EXIT_REFUSED)
    return list(dict.fromkeys(names))


def summary_table(accounts: Sequence[Account], outcomes: Sequence[Outcome]) -> Table:
    """Every account's session state and expiry, with this run's result where it tried."""
    results = {o.account: ("ok" if o.ok else f"failed: {o.detail}") for o in outcomes}
    table = new_table(
        "Broker sessions (IST)",
        ("account", "adapter", "session", "expires", "this run"),
        whole=("expires",),
    )
    for account in accounts:
        state = account.session_state.value
        style = "green" if account.session_state is SessionState.ACTIVE else "yellow"
        table.add_row(
            account.name,
            account.adapter,
            f"[{style}]{state}[/{style}]",
            ist_cell(account.expires_at),
            results.get(account.name, "-"),
        )
    return table


def login(
    ctx: typer.Context,
    accounts: Annotated[
        list[str] | None,
        typer.Argument(
            help="Accounts to log in (names from the configuration).", show_default=False
        ),
    ] = None,
    every_inactive: Annotated[
        bool, typer.Option("--all", help="Every account whose session is not active.")
    ] = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    ca_certs: CaCertsOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    answer_from_stdin: Annotated[
        bool,
        typer.Option(
            "--answer-from-stdin",
            help="Read answers from stdin, one per line, without prompting (for scripts).",
        ),
    ] = False,
    max_attempts: Annotated[
        int,
        typer.Option(
            "--max-attempts", min=1, max=10, help="Answers to try per challenge before giving up."
        ),
    ] = 3,
) -> None:
    """Log accounts in on a running Ordo server, answering OTP, TOTP, PIN, password and
    redirect challenges, then show every account's session.

    Exit status: 0 every chosen account is logged in, 1 a login failed or the server refused
    the token, 2 the server is unreachable or the options are wrong.
    """
    names = list(accounts or [])
    if names and every_inactive:
        fail("name accounts or pass --all, not both", EXIT_UNREACHABLE)
    if not names and not every_inactive:
        fail("name the accounts to log in, or pass --all", EXIT_UNREACHABLE)
    answers: AnswerSource = PromptAnswers()
    if answer_from_stdin:
        answers = StdinAnswers(sys.stdin)
    out = stderr()
    with (
        connect(ctx, connection(url, token, ca_certs, cert, key)) as client,
        remote_errors(url),
    ):
        targets = choose_targets(client.accounts(), names, every_inactive)
        if not targets:
            out.print("every account's session is already active")
        outcomes: list[Outcome] = []
        for name in targets:
            outcome = walk(client, name, answers, max_attempts)
            outcomes.append(outcome)
            verdict = "[green]ok[/green]" if outcome.ok else "[red]failed[/red]"
            out.print(f"{name}: {verdict}: ", end="")
            out.print(outcome.detail, markup=False)
        final = client.accounts()
    print_table(summary_table(final, outcomes))
    if not all(o.ok for o in outcomes):
        raise typer.Exit(EXIT_REFUSED)
