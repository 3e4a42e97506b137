"""``ConsoleContext``: what the console keeps between requests, at ``app.state.console``."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from fastapi.templating import Jinja2Templates

from ordo.config import Settings
from ordo.console.auth import ConsoleSessions
from ordo.console.logins import LoginWalks
from ordo.runtime import OrdoRuntime


@dataclass
class ConsoleContext:
    settings: Settings
    templates: Jinja2Templates
    sessions: ConsoleSessions
    walks: LoginWalks = field(default_factory=LoginWalks)
    used_callback_states: set[str] = field(default_factory=set)
    """OAuth ``state`` values whose callback completed a login: a replay is named as such
    (kept for the process's life; a restart forgets them, and the replay then finds no
    login waiting, which is refused as clearly)."""


def console_of(request: Request) -> ConsoleContext:
    context: ConsoleContext = request.app.state.console
    return context


def runtime_of(request: Request) -> OrdoRuntime:
    runtime: OrdoRuntime = request.app.state.ordo
    return runtime
