"""FastAPI dependencies that hand a route the services it uses, never the whole runtime."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ordo.audit.query import AuditQuery
from ordo.config import Settings
from ordo.metrics import OrdoMetrics
from ordo.orchestrator.accounts import AccountSet
from ordo.orchestrator.changes import OrderChanges
from ordo.orchestrator.exits import PositionExits
from ordo.orchestrator.kill_switch import KillSwitchService
from ordo.orchestrator.ledger import Ledger
from ordo.orchestrator.lookup import OrderLookup
from ordo.orchestrator.place import PlacementService
from ordo.orchestrator.reads import ReadService
from ordo.plugins import Plugins
from ordo.runtime import OrdoRuntime
from ordo.sessions.manager import SessionManager


# ``async def`` although nothing awaits: FastAPI runs plain ``def`` dependencies in a worker
# thread, a round trip per dependency on every request.
def _runtime(request: Request) -> OrdoRuntime:
    runtime: OrdoRuntime = request.app.state.ordo
    return runtime


async def placement(request: Request) -> PlacementService:
    return _runtime(request).placement


async def order_changes(request: Request) -> OrderChanges:
    return _runtime(request).changes


async def position_exits(request: Request) -> PositionExits:
    return _runtime(request).exits


async def kill_switch(request: Request) -> KillSwitchService:
    return _runtime(request).kill_switch_service


async def ledger(request: Request) -> Ledger:
    return _runtime(request).ledger


async def order_lookup(request: Request) -> OrderLookup:
    return _runtime(request).lookup


async def audit_query(request: Request) -> AuditQuery:
    return _runtime(request).audit_query


async def reads(request: Request) -> ReadService:
    return _runtime(request).reads


async def accounts(request: Request) -> AccountSet:
    return _runtime(request).accounts


async def sessions(request: Request) -> SessionManager:
    return _runtime(request).sessions


async def plugins(request: Request) -> Plugins:
    return _runtime(request).plugins


async def settings(request: Request) -> Settings:
    return _runtime(request).settings


async def metrics(request: Request) -> OrdoMetrics:
    return _runtime(request).observability.metrics


Accounts = Annotated[AccountSet, Depends(accounts)]
Sessions = Annotated[SessionManager, Depends(sessions)]
PluginsDep = Annotated[Plugins, Depends(plugins)]
SettingsDep = Annotated[Settings, Depends(settings)]
MetricsDep = Annotated[OrdoMetrics, Depends(metrics)]
Audit = Annotated[AuditQuery, Depends(audit_query)]
Reads = Annotated[ReadService, Depends(reads)]
Placement = Annotated[PlacementService, Depends(placement)]
Changes = Annotated[OrderChanges, Depends(order_changes)]
Exits = Annotated[PositionExits, Depends(position_exits)]
KillSwitchDep = Annotated[KillSwitchService, Depends(kill_switch)]
LedgerDep = Annotated[Ledger, Depends(ledger)]
Lookup = Annotated[OrderLookup, Depends(order_lookup)]
