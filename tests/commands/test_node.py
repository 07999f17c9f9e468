"""``zkpov status``, ``tx send`` and ``account show`` against hostile or failing RPC servers: a
malformed, oversized or non-200 answer is one line on stderr and exit code 1 (the commands go
through the typed client; the happy paths run against a real node in tests/test_cli_node.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.test_cli_errors import assert_one_line, invoke

ANSWERS: dict[str, tuple[int, bytes]] = {}  # path -> (status, body) the hostile server gives


class Hostile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body = ANSWERS.get(self.path.split("?")[0], (404, b"{}"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def rpc() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        ANSWERS.clear()


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (200, b"<html>", "error: /status: the answer is not JSON"),
        (200, b'{"node_info": null}', "error: /status.node_info: expected an object, got NoneType"),
        (200, b'{"node_info": {"node_id": "XY"}}', "error: /status.node_info.node_id: expected"),
        (200, b'{"node_info": {"node_id": "ab"}}', "error: /status.node_info: missing 'chain_id'"),
        (503, b'{"error": {"code": 503, "message": "node is starting"}}',
         "error: the node answered 503: /status: node is starting"),
        (500, b"\x00" * 10_000, "error: the node answered 500: /status: Internal Server Error"),
    ],
)  # fmt: skip
def test_status_refuses_a_bad_answer_in_one_line(
    rpc: str, status: int, body: bytes, said: str
) -> None:
    ANSWERS["/status"] = (status, body)
    assert assert_one_line(invoke("status", "--rpc", rpc)).startswith(said)


def test_account_show_names_a_missing_slot_and_a_bad_proof(rpc: str) -> None:
    line = assert_one_line(invoke("account", "show", "--index", "7", "--rpc", rpc))
    assert line.startswith("error: the node has no such account slot")
    account = {"index": "7", "public_key": None, "balance": "0", "nonce": 0,
               "pending_nonce": 1, "height": 3, "state_root": "00" * 32,
               "bonded": "0", "unbonding": "0",
               "proof": {"depth": 2, "leaf": "00" * 32, "siblings": [["00" * 32] * 2]}}  # fmt: skip
    ANSWERS["/account"] = (200, json.dumps(account).encode())
    line = assert_one_line(invoke("account", "show", "--index", "7", "--proof", "--rpc", rpc))
    assert line == "error: /account: the proof is missing or its siblings are not triples"


def test_tx_send_refuses_a_bad_genesis_in_one_line(rpc: str, tmp_path: Path) -> None:
    key = tmp_path / "account.json"
    assert invoke("keys", "generate", "--kind", "account", "--out", str(key)).exit_code == 0
    ANSWERS["/genesis"] = (200, b'{"genesis_hash": "00", "genesis": {"chain_id": 5}}')
    args = ["--key", str(key), "--to", "00" * 32, "--amount", "1", "--rpc", rpc]
    assert "genesis" in assert_one_line(invoke("tx", "send", *args))
    short = ["--key", str(key), "--to", "00" * 31, "--amount", "1", "--rpc", rpc]
    line = assert_one_line(invoke("tx", "send", *short))
    assert line == "error: recipient must be a 32-byte public key, not 31"
