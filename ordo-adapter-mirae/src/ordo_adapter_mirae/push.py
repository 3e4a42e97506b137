"""The m.Stock socket as Ordo's push channel: ``API_KEY`` and ``ACCESS_TOKEN`` in the query,
then the text frame ``LOGIN:<token>`` (a refusal is an HTTP 401/403 or a 1008 close:
``AuthFailed``); binary ticks and trade frames are dropped and each order frame is read
by ``order_frames.order_update``. The socket has no documented text heartbeat: protocol
pings keep it alive."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from ordo.adapters.sockets import FrameSocket, SocketDialer
from ordo.domain import BrokerSession
from ordo.events.push import Endpoint, SocketOrderChannel

from ordo_adapter_mirae.order_frames import login_frame, order_update
from ordo_adapter_mirae.settings import MiraeSettings


def order_channel(
    account: str,
    settings: MiraeSettings,
    dialer: SocketDialer,
    session: Callable[[], BrokerSession],
) -> SocketOrderChannel:
    """The account's order channel; ``session`` returns the live session or raises
    ``SessionExpired`` (read on every connect, so a channel never holds a token)."""
    token_of: dict[str, str] = {}

    def endpoint() -> Endpoint:
        token = session().access_token.get_secret_value()
        token_of["current"] = token
        query = urlencode({"API_KEY": settings.api_key.get_secret_value(), "ACCESS_TOKEN": token})
        return Endpoint(f"{settings.socket_url.rstrip('/')}/?{query}")

    async def log_in(socket: FrameSocket) -> None:
        await socket.send(login_frame(token_of["current"]))

    return SocketOrderChannel(
        account=account,
        dialer=dialer,
        endpoint=endpoint,
        greet=log_in,
        parse=lambda frame: order_update(account, frame),
    )
