"""``render``: a console page from its template and the context every page shares (the
signed-in session, its CSRF field, the navigation, the kill switch banner)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from ordo import __version__
from ordo.cli.display import ist
from ordo.console.auth import SignedIn, csrf_field


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    path: str


NAV = (
    NavItem("accounts", "Accounts", "/accounts"),
    NavItem("status", "Status", "/status"),
    NavItem("killswitch", "Kill switch", "/kill-switch"),
    NavItem("orders", "Orders", "/orders"),
    NavItem("audit", "Audit", "/audit"),
)


def create_templates() -> Jinja2Templates:
    """The console's templates, loaded from the installed package (so the wheel carries them)."""
    env = Environment(
        loader=PackageLoader("ordo.console", "templates"),
        autoescape=select_autoescape(["html", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Times as traders read them, and as the CLI shows them: IST to the second.
    env.filters["ist"] = ist
    return Jinja2Templates(env=env)


def base_path(request: Request) -> str:
    """Where the console is mounted (``/console``, behind any proxy prefix)."""
    return str(request.scope.get("root_path") or "/console").rstrip("/")


def console_url(request: Request, path: str) -> str:
    return f"{base_path(request)}{path}"


def shared_context(request: Request) -> dict[str, Any]:
    session: SignedIn | None = getattr(request.state, "console_session", None)
    runtime = getattr(request.app.state, "ordo", None)
    kill_switch = runtime.kill_switch_service.state if runtime is not None else None
    return {
        "session": session,
        "csrf_token": session.csrf if session else "",
        "csrf_field": csrf_field(session.csrf) if session else "",
        "base": base_path(request),
        "nav": NAV,
        "kill_switch": kill_switch,
        "version": __version__,
    }


def render(
    request: Request,
    template_name: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """``template_name`` rendered with the shared context plus ``context``."""
    templates: Jinja2Templates = request.app.state.console.templates
    merged = {**shared_context(request), **context}
    return templates.TemplateResponse(request, template_name, merged, status_code=status_code)
