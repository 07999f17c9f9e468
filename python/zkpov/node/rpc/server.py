"""Serving the RPC app: where it listens (loopback by default) and the server's own limits.

Against clients that hold connections open: a connection that has not sent a complete request
within ``keepalive_timeout`` (from its connect or from its last response: idle keep-alive and
slow headers alike) is closed by aiohttp; a request body must arrive within ``body_timeout``
(:func:`limit_body_time`, HTTP 408); at most ``max_connections`` connections are open at once:
a newcomer beyond that closes the oldest connection of the address holding the most
(:class:`~zkpov.network.admission.SourceSlots`), so connections held open cannot keep a new
client out (one summary log line per 10 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from zkpov.config import ConfigError
from zkpov.errors import ZkpovError
from zkpov.network.admission import RefusalLog, SourceSlots
from zkpov.node.rpc.params import MAX_TX_BYTES

__all__ = ["RpcConfig", "RpcServer", "RpcServerError", "is_loopback", "limit_body_time"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RpcConfig:
    """Where to listen (loopback by default) and the server's own limits."""

    host: str = "127.0.0.1"
    port: int = 26657
    max_body_bytes: int = 2 * MAX_TX_BYTES + 1024  # a hex tx in a small JSON object
    sse_heartbeat_seconds: float = 15.0
    keepalive_timeout: float = 15.0  # idle or still sending its request line and headers
    body_timeout: float = 10.0
    max_connections: int = 256

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be in [0, 65535], got {self.port}")
        if not 1024 <= self.max_body_bytes <= 16 * 1024 * 1024:
            raise ConfigError("max_body_bytes must be between 1 KiB and 16 MiB")
        if not 0 < self.sse_heartbeat_seconds <= 300:
            raise ConfigError("sse_heartbeat_seconds must be in (0, 300]")
        if not (0 < self.keepalive_timeout <= 3600 and 0 < self.body_timeout <= 3600):
            raise ConfigError("keepalive_timeout and body_timeout must be in (0, 3600] seconds")
        if not 1 <= self.max_connections <= 65536:
            raise ConfigError("max_connections must be in [1, 65536]")


class RpcServerError(ZkpovError):
    """The RPC server cannot listen on its address, or was used out of order."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def limit_body_time(timeout: float) -> Any:
    """A middleware that reads a request's body within ``timeout`` seconds (aiohttp keeps it
    for the handler), else answers 408 and closes the connection."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.body_exists:
            try:
                async with asyncio.timeout(timeout):
                    await request.read()
            except TimeoutError:
                raise web.HTTPRequestTimeout(headers={"Connection": "close"}) from None
        response: web.StreamResponse = await handler(request)
        return response

    return middleware


class _Slotted(asyncio.Protocol):
    """aiohttp's protocol for one connection, which first takes a slot (closing what that
    evicts) and gives it back when the connection ends."""

    def __init__(self, inner: asyncio.Protocol, server: RpcServer) -> None:
        self._inner, self._server = inner, server
        self._slot: tuple[str, asyncio.BaseTransport] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        self._slot = (str(peer[0]) if isinstance(peer, tuple) else "?", transport)
        self._server.on_connection(*self._slot)
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._slot is not None:
            self._server.slots.discard(*self._slot)
        self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


class RpcServer:
    """Serves an RPC app on ``config.host:config.port`` (port 0 picks a free one)."""

    def __init__(self, app: web.Application, config: RpcConfig) -> None:
        self._app, self._config = app, config
        self._runner: web.AppRunner | None = None
        self._server: asyncio.Server | None = None
        self.slots: SourceSlots[asyncio.BaseTransport] = SourceSlots(
            config.max_connections, config.max_connections
        )
        self.refusals = RefusalLog(summary="closed {total} RPC connection(s) to make room")

    async def start(self) -> None:
        """Listen; ``RpcServerError`` if the address cannot be bound."""
        host, port = self._config.host, self._config.port
        if not is_loopback(host):
            _log.warning("RPC listens on %s, not loopback: anyone who reaches it can use it", host)
        runner = web.AppRunner(
            self._app, access_log=None, shutdown_timeout=5.0, lingering_time=1.0,
            keepalive_timeout=self._config.keepalive_timeout,
        )  # fmt: skip
        await runner.setup()
        try:
            loop = asyncio.get_running_loop()
            self._server = await loop.create_server(self._make_protocol(runner), host, port)
        except OSError as exc:
            await runner.cleanup()
            raise RpcServerError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        self._runner = runner

    def _make_protocol(self, runner: web.AppRunner) -> Any:
        server = runner.server
        assert server is not None  # set up by runner.setup()
        return lambda: _Slotted(server(), self)

    def on_connection(self, host: str, transport: asyncio.BaseTransport) -> None:
        """Takes a slot for a new connection; closes the connections it evicts."""
        for evicted in self.slots.add(host, transport):
            evicted.close()
            line = self.refusals.on_refused("connection cap", time.monotonic())
            if line is not None:
                _log.warning("%s", line)

    def get_port(self) -> int:
        """The port actually bound (useful with port 0)."""
        if self._server is None:
            raise RpcServerError("RPC server is not started")
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening, close open streams, finish in-flight requests."""
        if self._server is not None:
            self._server.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 5.0)
            self._server = None
