"""The Fyers order WebSocket as Ordo's push channel: ``Authorization: <app_id>:<token>`` on
the handshake (a refused token is an HTTP 401/403 or a 1008 close: ``AuthFailed``), the
orders subscription once open, a text ``ping`` every few seconds besides protocol pings,
and each frame read by ``order_frames.order_update``."""

from __future__ import annotations

import json
from collections.abc import Callable

from ordo.adapters.sockets import FrameSocket, SocketDialer
from ordo.domain import BrokerSession
from ordo.events.push import Endpoint, Heartbeat, SocketOrderChannel

from ordo_adapter_fyers.order_frames import SUBSCRIBE_ORDERS, order_update
from ordo_adapter_fyers.settings import FyersSettings


def order_channel(
    account: str,
    settings: FyersSettings,
    dialer: SocketDialer,
    session: Callable[[], BrokerSession],
) -> SocketOrderChannel:
    """The account's order channel; ``session`` returns the live session or raises
    ``SessionExpired`` (read on every connect, so a channel never holds a token)."""

    def endpoint() -> Endpoint:
        token = session().access_token.get_secret_value()
        return Endpoint(settings.order_socket_url, {"Authorization": f"{settings.app_id}:{token}"})

    async def subscribe(socket: FrameSocket) -> None:
        await socket.send(json.dumps(SUBSCRIBE_ORDERS))

    ping = settings.order_socket_ping_seconds
    return SocketOrderChannel(
        account=account,
        dialer=dialer,
        endpoint=endpoint,
        greet=subscribe,
        parse=lambda frame: order_update(account, frame),
        heartbeat=None if ping is None else Heartbeat("ping", ping, answer="pong"),
    )
