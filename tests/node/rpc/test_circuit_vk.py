"""``GET /v1/circuit/vk``: the node's verifying key as zkpov-groth16-vk/1, or a 404 that says
why (a real node serves it in tests/evm/test_relay.py)."""

from __future__ import annotations

from tests.node.rpc.fake_view import FakeNode
from tests.node.rpc.helpers import assert_error, get_json
from zkpov.crypto import snark, vk_json
from zkpov.node.rpc.api import get_routes
from zkpov.node.rpc.schema import build_openapi

CONFIG = snark.CircuitConfig(1, 2)


def test_serves_the_key_that_decodes_back() -> None:
    node = FakeNode()
    vk = snark.insecure_setup(CONFIG, b"rpc-vk")[1]
    node.verifying_key = vk_json.get_vk_points(vk, CONFIG.circuit_id)
    status, body = get_json("/v1/circuit/vk", node)
    assert status == 200
    assert body == vk_json.encode_vk_json(node.verifying_key)
    assert vk_json.decode_vk_json(body).key == vk


def test_a_node_without_keys_answers_404() -> None:
    status, body = get_json("/v1/circuit/vk", FakeNode())
    assert_error(status, body, 404, "loads no circuit keys")


def test_the_openapi_document_describes_it() -> None:
    doc = build_openapi(get_routes(with_metrics=False), "test")
    operation = doc["paths"]["/v1/circuit/vk"]["get"]
    assert operation["operationId"] == "circuit_vk"
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    points = vk_json.get_vk_points(snark.insecure_setup(CONFIG, b"x")[1], CONFIG.circuit_id)
    assert set(schema["required"]) == set(vk_json.encode_vk_json(points))
