"""The RPC application: one JSON error shape for every failure, and an OpenAPI description of
exactly the routes it mounts."""

from __future__ import annotations

import json
from typing import Any

from tests.node.rpc.fake_view import FakeNode
from tests.node.rpc.helpers import assert_error, get_json, post, with_client
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.metrics import NodeMetrics


def test_unknown_route_and_method_give_json_errors() -> None:
    assert_error(*get_json("/nope"), 404, "/openapi.json")
    assert_error(*post("/status", "{}"), 405, "GET")


def test_a_405_names_the_allowed_methods_in_its_allow_header() -> None:
    async def fn(client: Any) -> None:
        response = await client.post("/status", data="{}")
        assert response.status == 405
        assert response.headers["Allow"] == "GET"

    with_client(fn)


def test_unavailable_node_is_503_and_a_broken_one_500_without_details() -> None:
    node = FakeNode()
    node.available = False
    assert_error(*get_json("/status", node), 503, "starting")

    def explode(height: Any) -> None:
        raise RuntimeError("secret internals")

    node = FakeNode()
    node.get_block = explode  # type: ignore[method-assign]
    status, body = get_json("/block", node)
    assert_error(status, body, 500, "internal error")
    assert "secret" not in json.dumps(body)


def test_openapi_describes_exactly_the_mounted_routes() -> None:
    for metrics in (None, NodeMetrics()):
        app = create_app(FakeNode(), metrics=metrics)
        mounted = {(r.method, r.resource.canonical) for r in app.router.routes() if r.resource}
        _, spec = get_json("/openapi.json", app=app)
        described = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
        assert mounted == described
        assert ("GET", "/metrics") in described if metrics else ("GET", "/metrics") not in mounted


def test_openapi_refs_resolve() -> None:
    _, spec = get_json("/openapi.json")
    text = json.dumps(spec)
    names = {part.split('"')[0] for part in text.split("#/components/schemas/")[1:]}
    assert names and names <= set(spec["components"]["schemas"])
    assert spec["openapi"].startswith("3.1")
