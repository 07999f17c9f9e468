"""Run the RPC app against a FakeNode in-process (aiohttp's test server on loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.node.rpc.fake_view import FakeNode
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.metrics import NodeMetrics
from zkpov.node.rpc.server import RpcConfig

ClientFn = Callable[[TestClient[Any, Any]], Awaitable[None]]


def with_client(
    fn: ClientFn,
    view: Any = None,
    metrics: NodeMetrics | None = None,
    config: RpcConfig | None = None,
    app: web.Application | None = None,
) -> None:
    """Serve ``app`` (or one over ``view``, a fresh FakeNode by default); run ``fn``."""

    async def main() -> None:
        served = app or create_app(view or FakeNode(), metrics=metrics, config=config)
        async with TestClient(TestServer(served)) as client:
            await fn(client)

    asyncio.run(main())


def get_json(
    path: str, view: Any = None, app: web.Application | None = None, **kwargs: Any
) -> tuple[int, Any]:
    """``GET path`` and return the status and the decoded JSON body."""
    result: list[tuple[int, Any]] = []

    async def fn(client: TestClient[Any, Any]) -> None:
        response = await client.get(path, **kwargs)
        result.append((response.status, await response.json()))

    with_client(fn, view, app=app)
    return result[0]


def post(path: str, data: bytes | str, view: Any = None, **kwargs: Any) -> tuple[int, Any]:
    result: list[tuple[int, Any]] = []

    async def fn(client: TestClient[Any, Any]) -> None:
        response = await client.post(path, data=data, **kwargs)
        result.append((response.status, await response.json()))

    with_client(fn, view)
    return result[0]


def assert_error(status: int, body: Any, expected_status: int, needle: str) -> None:
    assert status == expected_status, (status, body)
    assert set(body) == {"error"}
    assert body["error"]["code"] == expected_status
    assert needle in body["error"]["message"], body["error"]["message"]
