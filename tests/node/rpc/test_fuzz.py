"""Schemathesis fuzzes every RPC operation against the served OpenAPI description.

The app runs on a loopback server in a background thread; schemathesis loads the spec from
``/openapi.json`` and sends valid and invalid inputs. All of its checks apply: no 5xx, every
status and content type documented, every response body valid against its schema, invalid input
rejected with 4xx. ``/events`` is left out (a stream never ends) and tested in test_rpc_events.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.consensus.epochs.epoch_net import EpochRouter, drive, make_epoch_net
from tests.node.rpc.fake_view import FakeNode
from zkpov.consensus.epochs.proof import EpochChangeProof
from zkpov.node.rpc.api import get_routes
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.metrics import NodeMetrics
from zkpov.node.rpc.server import RpcConfig, RpcServer


class _ThreadServer:
    """An RpcServer on its own event loop in a daemon thread."""

    def __init__(self, app: web.Application) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = RpcServer(app, RpcConfig(port=0))
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return f"http://127.0.0.1:{self.server.get_port()}"

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    node = FakeNode(n_blocks=8)
    node.prove_up_to(3)
    node.earliest = node.earliest.__class__(1)  # height 0 pruned: exercises that 404 too
    epochs = make_epoch_net(4, pending=1, exiting=(3,))
    drive(epochs, EpochRouter(epochs), until=0.02)  # real endings for /v1/light/updates
    node.epoch_proof = EpochChangeProof(tuple(epochs.managers[0].endings))
    with _ThreadServer(create_app(node, metrics=NodeMetrics())) as url:
        yield url


_ROUTES = [route for route in get_routes(with_metrics=True) if route.path != "/events"]
_CASES = [
    pytest.param(f"{route.method} {route.path}", mode, id=f"{route.path}-{mode.value}")
    for route in _ROUTES
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or route.params or route.body  # else nothing is invalid
]


@pytest.fixture(scope="module")
def rpc_schema(base_url: str) -> Any:
    return schemathesis.openapi.from_url(f"{base_url}/openapi.json")


@pytest.mark.parametrize(("label", "mode"), _CASES)
def test_rpc_conforms_to_its_openapi(
    rpc_schema: Any, base_url: str, label: str, mode: GenerationMode
) -> None:
    operation = rpc_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is served but not described"

    @given(operation.as_strategy(generation_mode=mode))
    @settings(max_examples=25, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def check(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(base_url=base_url)

    check()
