"""Small asyncio proxies for egress tests: an HTTP proxy (``CONNECT`` tunnels and
absolute-form forwarding) and a SOCKS5 proxy (no auth or user/password, RFC 1928/1929).

Both listen on 127.0.0.1 and open their outbound connections from ``outbound`` (e.g.
127.0.0.5), so a server behind them sees the proxy's address, not the client's. Each records
what it was asked (``ProxyHit``) and refuses wrong credentials. Run them in the test's
event loop::

    async with http_proxy(outbound="127.0.0.5") as proxy:
        ...  # proxy.url is http://127.0.0.1:<port>
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LISTEN = "127.0.0.1"
_HEAD_LIMIT = 64 * 1024


@dataclass(frozen=True)
class ProxyHit:
    """One connection the proxy served: how it was asked and where it went."""

    mode: str
    """``connect`` or ``forward`` (HTTP proxy), ``socks5`` (SOCKS proxy)."""
    target_host: str
    target_port: int
    client: str
    """The address the client came from."""
    user: str | None = None


@dataclass
class RunningProxy:
    """A proxy while it runs: its URL (no credentials) and every connection it served."""

    url: str
    outbound: str
    hits: list[ProxyHit] = field(default_factory=list)
    refused: int = 0
    """Connections refused for missing or wrong credentials."""


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.write_eof()


async def _relay(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream_writer: asyncio.StreamWriter,
) -> None:
    """Copy bytes both ways until both sides have finished, then close both."""
    try:
        await asyncio.gather(
            _pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer)
        )
    finally:
        for writer in (upstream_writer, client_writer):
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _open_upstream(
    host: str, port: int, outbound: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(host, port, local_addr=(outbound, 0))


@asynccontextmanager
async def _serve(handler: Handler, scheme: str, outbound: str) -> AsyncIterator[RunningProxy]:
    tasks: set[asyncio.Task[None]] = set()
    proxy = RunningProxy(url="", outbound=outbound)

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, OSError):
            writer.close()
        except asyncio.CancelledError:
            # Only the proxy's own shutdown cancels a handler; ending quietly keeps
            # asyncio's stream callback from logging the cancellation as an error.
            writer.close()
        finally:
            tasks.discard(task)

    server = await asyncio.start_server(accept, LISTEN, 0)
    port = server.sockets[0].getsockname()[1]
    proxy.url = f"{scheme}://{LISTEN}:{port}"
    try:
        yield proxy
    finally:
        server.close()
        pending = list(tasks)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await server.wait_closed()


def _basic_user(header: str | None, auth: tuple[str, str] | None) -> tuple[bool, str | None]:
    """Whether the ``Proxy-Authorization`` header satisfies ``auth``, and the user named."""
    if auth is None:
        return True, None
    if not header or not header.lower().startswith("basic "):
        return False, None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False, None
    return (user, password) == auth, user


@asynccontextmanager
async def http_proxy(
    *, outbound: str = "127.0.0.5", auth: tuple[str, str] | None = None
) -> AsyncIterator[RunningProxy]:
    """An HTTP proxy: ``CONNECT host:port`` opens a tunnel (what clients do for https),
    an absolute-form request (``GET http://host:port/path``) is forwarded with the rest of
    the connection. With ``auth``, a request without matching Basic ``Proxy-Authorization``
    gets 407."""
    running: list[RunningProxy] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        proxy = running[0]
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _HEAD_LIMIT:
            raise ValueError("request head too long")
        line, *rest = head.decode("latin-1").split("\r\n")
        method, target, _version = line.split(" ", 2)
        headers = {}
        for raw in rest:
            name, sep, value = raw.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        allowed, user = _basic_user(headers.get("proxy-authorization"), auth)
        client = writer.get_extra_info("peername")[0]
        if not allowed:
            proxy.refused += 1
            writer.write(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="ordo-test"\r\nContent-Length: 0\r\n'
                b"Connection: close\r\n\r\n"
            )
            await writer.drain()
            writer.close()
            return
        if method.upper() == "CONNECT":
            host, _, port_text = target.rpartition(":")
            host = host.strip("[]")
            up_reader, up_writer = await _open_upstream(host, int(port_text), proxy.outbound)
            proxy.hits.append(ProxyHit("connect", host, int(port_text), client, user))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
        else:
            parts = urlsplit(target)
            if not parts.hostname:
                raise ValueError("not an absolute-form request")
            port = parts.port or 80
            up_reader, up_writer = await _open_upstream(parts.hostname, port, proxy.outbound)
            proxy.hits.append(ProxyHit("forward", parts.hostname, port, client, user))
            kept = [r for r in rest if not r.lower().startswith("proxy-authorization:")]
            up_writer.write("\r\n".join([line, *kept]).encode("latin-1"))
            await up_writer.drain()
        await _relay(reader, writer, up_reader, up_writer)

    async with _serve(handle, "http", outbound) as proxy:
        running.append(proxy)
        yield proxy


@asynccontextmanager
async def socks5_proxy(
    *, outbound: str = "127.0.0.5", auth: tuple[str, str] | None = None
) -> AsyncIterator[RunningProxy]:
    """A SOCKS5 proxy (``CONNECT`` only; IPv4, IPv6 and domain targets). With ``auth`` it
    requires user/password authentication (RFC 1929) and refuses anything else."""
    running: list[RunningProxy] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        proxy = running[0]
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != 5:
            raise ValueError("not SOCKS5")
        wanted = 2 if auth is not None else 0
        if wanted not in methods:
            proxy.refused += 1
            writer.write(b"\x05\xff")
            await writer.drain()
            writer.close()
            return
        writer.write(bytes([5, wanted]))
        user = None
        if auth is not None:
            _sub, user_len = await reader.readexactly(2)
            user = (await reader.readexactly(user_len)).decode()
            (pass_len,) = await reader.readexactly(1)
            password = (await reader.readexactly(pass_len)).decode()
            if (user, password) != auth:
                proxy.refused += 1
                writer.write(b"\x01\x01")
                await writer.drain()
                writer.close()
                return
            writer.write(b"\x01\x00")
        _ver, command, _reserved, kind = await reader.readexactly(4)
        if kind == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif kind == 4:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        elif kind == 3:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode()
        else:
            raise ValueError("unknown SOCKS address type")
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if command != 1:
            writer.write(b"\x05\x07\x00\x01" + bytes(6))  # command not supported
            await writer.drain()
            writer.close()
            return
        up_reader, up_writer = await _open_upstream(host, port, proxy.outbound)
        client = writer.get_extra_info("peername")[0]
        proxy.hits.append(ProxyHit("socks5", host, port, client, user))
        bound_host, bound_port = up_writer.get_extra_info("sockname")[:2]
        writer.write(
            b"\x05\x00\x00\x01"
            + ipaddress.IPv4Address(bound_host).packed
            + struct.pack("!H", bound_port)
        )
        await writer.drain()
        await _relay(reader, writer, up_reader, up_writer)

    async with _serve(handle, "socks5", outbound) as proxy:
        running.append(proxy)
        yield proxy
