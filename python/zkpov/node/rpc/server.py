"""Serving the RPC app: where it listens (loopback by default) and the server's own limits."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass

from aiohttp import web

from zkpov.config import ConfigError
from zkpov.errors import ZkpovError
from zkpov.node.rpc.params import MAX_TX_BYTES

__all__ = ["RpcConfig", "RpcServer", "RpcServerError", "is_loopback"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RpcConfig:
    """Where to listen (loopback by default) and the server's own limits."""

    host: str = "127.0.0.1"
    port: int = 26657
    max_body_bytes: int = 2 * MAX_TX_BYTES + 1024  # a hex tx in a small JSON object
    sse_heartbeat_seconds: float = 15.0

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be in [0, 65535], got {self.port}")
        if not 1024 <= self.max_body_bytes <= 16 * 1024 * 1024:
            raise ConfigError("max_body_bytes must be between 1 KiB and 16 MiB")
        if not 0 < self.sse_heartbeat_seconds <= 300:
            raise ConfigError("sse_heartbeat_seconds must be in (0, 300]")


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


class RpcServer:
    """Serves an RPC app on ``config.host:config.port`` (port 0 picks a free one)."""

    def __init__(self, app: web.Application, config: RpcConfig) -> None:
        self._app, self._config = app, config
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; ``RpcServerError`` if the address cannot be bound."""
        host, port = self._config.host, self._config.port
        if not is_loopback(host):
            _log.warning("RPC listens on %s, not loopback: anyone who reaches it can use it", host)
        runner = web.AppRunner(self._app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            await runner.cleanup()
            raise RpcServerError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        self._runner = runner

    def get_port(self) -> int:
        """The port actually bound (useful with port 0)."""
        if self._runner is None:
            raise RpcServerError("RPC server is not started")
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Close open streams, finish in-flight requests, stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
