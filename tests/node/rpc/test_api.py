"""The RPC's routes over a FakeNode: values, 404s that say why, 400s and 413s on bad input."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.node.rpc.fake_view import (
    ACCOUNT_DEPTH,
    ACCOUNT_KEY,
    GENESIS_DOC,
    FakeNode,
    compute_tx_hash,
)
from tests.node.rpc.helpers import assert_error, get_json, post
from zkpov.chain.state import AccountProof, compute_account_index, verify_account_proof
from zkpov.node.rpc.api import get_routes
from zkpov.node.rpc.params import MAX_TX_BYTES
from zkpov.node.rpc.view import NodeView
from zkpov.spec.validators import compute_validator_set_commitment
from zkpov.types import Height

JSON = {"Content-Type": "application/json"}


def test_fake_node_implements_every_node_view_method() -> None:
    view: NodeView = FakeNode()  # mypy checks signatures; this checks names at run time
    wanted = {name for name in vars(NodeView) if name.startswith(("get_", "broadcast", "sub"))}
    assert len(wanted) == 18 and all(callable(getattr(view, name)) for name in wanted)


def test_health_is_an_empty_object() -> None:
    assert get_json("/health") == (200, {})


def test_status_reports_the_committed_tip() -> None:
    node = FakeNode(n_blocks=6)
    status, body = get_json("/status", node)
    assert status == 200
    sync = body["sync_info"]
    assert sync["latest_block_height"] == node.tip == 3
    assert sync["latest_block_id"] == node.tree[3].id.hex()
    assert sync["latest_state_root"] == node.tree[3].state_root.hex()
    assert sync["proven_final_height"] is None and sync["catching_up"] is False
    assert body["node_info"]["chain_id"] == "zkpov-test"
    assert body["validator_info"]["voting_power"] == str(10**18)


def test_block_by_height_and_latest() -> None:
    node = FakeNode(n_blocks=6)
    _, block = get_json("/block?height=2", node)
    assert block["block_id"] == node.tree[2].id.hex()
    assert block["header"]["height"] == 2 and block["header"]["round"] == 2
    assert block["qc"]["block_id"] == node.tree[1].id.hex()
    assert block["txs"] == [b"tx-2".hex()]
    _, latest = get_json("/block", node)
    assert latest["header"]["height"] == node.tip


def test_commit_carries_the_two_chain() -> None:
    node = FakeNode(n_blocks=6)
    _, commit = get_json("/commit?height=1", node)
    block = node.tree[1]
    assert commit["block_id"] == block.id.hex()
    assert commit["certificate"]["block_id"] == block.id.hex()
    child = commit["commit_certificate"]
    assert child["parent_id"] == block.id.hex() and child["round"] == block.round + 1


def test_unknown_heights_say_why() -> None:
    node = FakeNode(n_blocks=6)
    node.earliest = Height(2)
    for path in ("/block", "/commit", "/validators"):
        assert_error(*get_json(f"{path}?height=4", node), 404, "above the latest committed")
        assert_error(*get_json(f"{path}?height=1", node), 404, "pruned")


@pytest.mark.parametrize(
    "value",
    ["abc", "-1", "1.5", "", "+1", " 1", "1 ", "0x10", "1_000", "1e3", "\u0661",
     str(2**63), "9" * 20, "1" * 300],
)  # fmt: skip
def test_bad_heights_are_400(value: str) -> None:
    for path in ("/block", "/commit", "/validators", "/light/proof"):
        assert_error(*get_json(path, params={"height": value}), 400, "height")


def test_repeated_parameter_is_400() -> None:
    assert_error(*get_json("/block?height=1&height=2"), 400, "more than once")


def test_validators_are_paged() -> None:
    status, body = get_json("/validators?page=2&per_page=3")
    assert status == 200
    assert [v["index"] for v in body["validators"]] == [3, 4, 5]
    assert body["count"] == 3 and body["total"] == 7
    assert body["total_power"] == str(sum(10**18 + i for i in range(7)))
    _, last = get_json("/validators?page=3&per_page=3")
    assert [v["index"] for v in last["validators"]] == [6]
    assert_error(*get_json("/validators?page=4&per_page=3"), 404, "there are 3 pages")
    assert_error(*get_json("/validators?per_page=101"), 400, "per_page")
    assert_error(*get_json("/validators?page=0"), 400, "page")


def test_validators_name_the_committed_set_and_the_ledger_height() -> None:
    """The commitment covers the whole set (every page carries the same), the ledger fields
    say where they were read and which registry entry they are."""
    node = FakeNode()
    _, first = get_json("/validators?per_page=2", node)
    _, second = get_json("/validators?page=2&per_page=2", node)
    keys = [v.pubkey for v in node.validators]
    powers = [int(v.power) for v in node.validators]
    whole = compute_validator_set_commitment(0, keys, powers).hex()
    assert first["validator_set_commitment"] == second["validator_set_commitment"] == whole
    assert first["ledger_height"] == node.tip
    assert [v["registry_index"] for v in second["validators"]] == [2, 3]


def test_validators_of_an_epoch() -> None:
    status, body = get_json("/validators?epoch=0")
    assert status == 200 and body["epoch"] == 0 and body["total"] == 7
    assert_error(*get_json("/validators?epoch=1"), 404, "epoch 1 is not known")
    assert get_json("/validators?epoch=0&height=1")[0] == 200
    assert_error(*get_json("/validators?epoch=1&height=1"), 404, "height 1 is in epoch 0, not 1")
    assert_error(*get_json("/validators?epoch=-1"), 400, "epoch")


def test_genesis_is_served_verbatim_with_its_hash() -> None:
    status, body = get_json("/genesis")
    assert status == 200 and body["genesis"] == GENESIS_DOC
    expected = hashlib.sha256(json.dumps(GENESIS_DOC).encode()).hexdigest()
    assert body["genesis_hash"] == expected


def test_tx_lookup() -> None:
    node = FakeNode(n_blocks=6)
    tx_hash = compute_tx_hash(b"tx-2")
    status, body = get_json(f"/tx?hash={tx_hash.hex()}", node)
    assert status == 200 and body == {
        "hash": tx_hash.hex(), "status": "committed", "height": 2, "index": 0,
        "tx": b"tx-2".hex(), "reason": None, "message": None,
    }  # fmt: skip
    assert get_json(f"/tx?hash=0x{tx_hash.hex().upper()}", node)[0] == 200
    assert_error(*get_json(f"/tx?hash={'ab' * 32}", node), 404, "not pending, not committed")
    assert_error(*get_json("/tx", node), 400, "missing")
    for bad in ("zz" * 32, "ab" * 31, "ab" * 33, "0x" + "ab" * 31):
        assert_error(*get_json("/tx", node, params={"hash": bad}), 400, "hash")


def test_broadcast_tx_accepts_then_reports_duplicates() -> None:
    node = FakeNode()
    status, body = post("/broadcast_tx", '{"tx": "0xC0FFEE"}', node, headers=JSON)
    assert status == 200 and body["accepted"] is True
    assert body["hash"] == compute_tx_hash(bytes.fromhex("c0ffee")).hex()
    status, again = post("/broadcast_tx", '{"tx": "c0ffee"}', node, headers=JSON)
    assert status == 200 and again["accepted"] is False and again["reason"] == "duplicate"
    assert "already" in again["message"]
    assert node.mempool == [bytes.fromhex("c0ffee")]
    _, pending = get_json(f"/tx?hash={body['hash']}", node)
    assert pending["status"] == "pending" and pending["height"] is None


def test_account_by_index_or_key_with_a_proof_that_verifies() -> None:
    node = FakeNode()
    index = compute_account_index(ACCOUNT_KEY, ACCOUNT_DEPTH)
    status, body = get_json(f"/account?public_key={ACCOUNT_KEY.hex()}&proof=true", node)
    assert status == 200 and body["index"] == str(index) and body["balance"] == "500"
    assert (body["nonce"], body["pending_nonce"]) == (0, 1)
    siblings = tuple(tuple(int(x, 16) for x in row) for row in body["proof"]["siblings"])
    proof = AccountProof(ACCOUNT_DEPTH, index, int(body["proof"]["leaf"], 16), siblings)
    assert verify_account_proof(int(body["state_root"], 16), proof)
    _, by_index = get_json(f"/account?index={index}", node)
    assert by_index["proof"] is None and by_index["public_key"] == ACCOUNT_KEY.hex()
    _, empty = get_json(f"/account?index={index ^ 1}", node)
    assert empty["public_key"] is None and empty["balance"] == "0"


@pytest.mark.parametrize(
    ("query", "status", "needle"),
    [
        ("", 400, "exactly one"),
        ("?index=1&public_key=" + "ab" * 32, 400, "exactly one"),
        ("?index=-1", 400, "index"),
        ("?index=1&proof=yes", 400, "true or false"),
        ("?public_key=abc", 400, "public_key"),
        (f"?index={1 << ACCOUNT_DEPTH}", 404, "outside the account tree"),
        ("?index=1&indx=2", 400, "unknown query parameter 'indx'"),
    ],
)
def test_account_bad_queries(query: str, status: int, needle: str) -> None:
    assert_error(*get_json(f"/account{query}"), status, needle)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("not json", "not valid"),
        (b"\xff\xfe", "not valid"),
        ("[" * 50_000 + "]" * 50_000, "not valid"),
        ('["c0ffee"]', "JSON object"),
        ('{"tx": "c0ffee", "fee": 1}', "JSON object"),
        ("{}", "JSON object"),
        ('{"tx": 12}', "hex"),
        ('{"tx": ""}', "hex"),
        ('{"tx": "abc"}', "hex"),
        ('{"tx": "zz"}', "hex"),
        ('{"tx": "' + "00" * (MAX_TX_BYTES + 1) + '"}', "at most"),
    ],
)
def test_broadcast_tx_bad_bodies_are_400(body: str | bytes, needle: str) -> None:
    assert_error(*post("/broadcast_tx", body, headers=JSON), 400, needle)


def test_broadcast_tx_limits_size_and_media_type() -> None:
    huge = '{"tx": "' + "00" * 200_000 + '"}'
    assert_error(*post("/broadcast_tx", huge, headers=JSON), 413, "at most")
    assert_error(*post("/broadcast_tx", '{"tx": "00"}'), 415, "application/json")


def test_light_client_routes() -> None:
    node = FakeNode(n_blocks=6)
    _, finalized = get_json("/light/finalized", node)
    assert finalized["height"] == node.tip
    assert finalized["commit_certificate"]["parent_id"] == node.tree[node.tip].id.hex()
    assert_error(*get_json("/light/proof", node), 404, "no validity proof yet")
    node.prove_up_to(2)
    status, proof = get_json("/light/proof?height=2", node)
    assert status == 200 and proof["height"] == 2 and proof["proven_in"] == 3
    assert proof["public_inputs"][2] == (2).to_bytes(32, "big").hex()
    assert_error(*get_json("/light/proof?height=3", node), 404, "proven-final height is 2")


def test_route_table_has_unique_operations() -> None:
    routes = get_routes(with_metrics=True)
    assert len({r.operation_id for r in routes}) == len(routes)
    assert len({(r.method, r.path) for r in routes}) == len(routes)
