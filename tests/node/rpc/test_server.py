"""The RPC server: loopback by default, bounded limits, and a clear error for a taken port."""

from __future__ import annotations

import asyncio

import pytest

from tests.node.rpc.fake_view import FakeNode
from zkpov.config import ConfigError
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.server import RpcConfig, RpcServer, RpcServerError, is_loopback


def test_config_defaults_to_loopback_and_checks_limits() -> None:
    assert RpcConfig().host == "127.0.0.1"
    for bad in ({"port": 70000}, {"max_body_bytes": 10}, {"sse_heartbeat_seconds": 0}):
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
