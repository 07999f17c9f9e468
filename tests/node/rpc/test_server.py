"""The RPC server: loopback by default, bounded limits, a clear error for a taken port, and
connections that are idle, slow or over the cap closed without hurting the others."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import pytest

from tests.node.rpc.fake_view import FakeNode
from zkpov.config import ConfigError
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.server import RpcConfig, RpcServer, RpcServerError, is_loopback


def test_config_defaults_to_loopback_and_checks_limits() -> None:
    assert RpcConfig().host == "127.0.0.1"
    bad_values = (
        {"port": 70000}, {"max_body_bytes": 10}, {"sse_heartbeat_seconds": 0},
        {"keepalive_timeout": 0}, {"body_timeout": -1.0}, {"max_connections": 0},
    )  # fmt: skip
    for bad in bad_values:
        with pytest.raises(ConfigError):
            RpcConfig(**bad)  # type: ignore[arg-type]


def test_server_binds_loopback_and_reports_a_taken_port() -> None:
    async def main() -> None:
        first = RpcServer(create_app(FakeNode()), RpcConfig(port=0))
        with pytest.raises(RpcServerError):
            first.get_port()
        await first.start()
        taken = RpcConfig(port=first.get_port())
        with pytest.raises(RpcServerError, match="cannot listen"):
            await RpcServer(create_app(FakeNode()), taken).start()
        await first.stop()

    asyncio.run(main())


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("10.0.0.1", False), ("example.com", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


FAST = RpcConfig(port=0, keepalive_timeout=0.5, body_timeout=0.5, max_connections=4)
Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def with_server(fn: Callable[[RpcServer], Awaitable[None]], config: RpcConfig = FAST) -> None:
    async def main() -> None:
        server = RpcServer(create_app(FakeNode(), config=config), config)
        await server.start()
        try:
            await fn(server)
        finally:
            await server.stop()

    asyncio.run(asyncio.wait_for(main(), 30))


async def connect(server: RpcServer) -> Stream:
    return await asyncio.open_connection("127.0.0.1", server.get_port())


async def read_until_closed(reader: asyncio.StreamReader, within: float) -> bytes:
    """All the server sends until it hangs up; TimeoutError if it keeps the connection."""
    with contextlib.suppress(ConnectionError):
        return await asyncio.wait_for(reader.read(), within)
    return b""


async def get_status(server: RpcServer) -> bytes:
    reader, writer = await connect(server)
    writer.write(b"GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    answer = await read_until_closed(reader, 5)
    writer.close()
    return answer


@pytest.mark.parametrize(
    "sent", [b"", b"GET /status HTTP/1.1\r\nHost: x\r\n"], ids=["idle", "half-sent headers"]
)
def test_idle_and_slow_header_connections_are_closed(sent: bytes) -> None:
    async def fn(server: RpcServer) -> None:
        reader, writer = await connect(server)
        writer.write(sent)
        assert await read_until_closed(reader, 3) == b""  # closed at keepalive_timeout
        writer.close()
        assert (await get_status(server)).startswith(b"HTTP/1.1 200")

    with_server(fn)


def test_a_body_slower_than_body_timeout_gets_408_and_is_closed() -> None:
    async def fn(server: RpcServer) -> None:
        reader, writer = await connect(server)
        writer.write(
            b"POST /broadcast_tx HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"tx": '
        )
        answer = await read_until_closed(reader, 5)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
        writer.close()

    with_server(fn)


def test_at_the_cap_a_new_client_closes_the_oldest_connection_and_is_served() -> None:
    config = FAST.__class__(port=0, keepalive_timeout=60.0, max_connections=4)

    async def fn(server: RpcServer) -> None:
        held = [await connect(server) for _ in range(24)]  # only the last 4 keep a slot
        for reader, _ in held[:20]:
            assert await read_until_closed(reader, 3) == b""
        assert len(server.slots) == 4
        assert (await get_status(server)).startswith(b"HTTP/1.1 200")  # evicts held[20]
        assert await read_until_closed(held[20][0], 3) == b""
        for _, writer in held:
            writer.close()

    with_server(fn, config)
