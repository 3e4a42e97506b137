"""The order event log as a FastAPI dependency (routes get the service, not the runtime)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ordo.events.log import EventLog
from ordo.events.webhooks import WebhookDispatcher
from ordo.runtime import OrdoRuntime


async def event_log(request: Request) -> EventLog:
    runtime: OrdoRuntime = request.app.state.ordo
    return runtime.events


Events = Annotated[EventLog, Depends(event_log)]


async def webhook_dispatcher(request: Request) -> WebhookDispatcher:
    runtime: OrdoRuntime = request.app.state.ordo
    return runtime.webhooks


Webhooks = Annotated[WebhookDispatcher, Depends(webhook_dispatcher)]
