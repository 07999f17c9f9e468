"""``/v1/fast_sync/*`` over a stub server: answers in the OpenAPI shape, 404 when nothing is
served, 400 for a node outside the tree or a missing parameter."""

from __future__ import annotations

from typing import Any

import pytest

from tests.node.rpc.fake_view import FakeNode
from tests.node.rpc.helpers import get_json
from tests.support.signed_chain import make_chain
from zkpov.chain.state import AccountState
from zkpov.crypto import schnorr
from zkpov.node.fast_sync.history import HistoryPage, build_history_page
from zkpov.node.fast_sync.history_wire import decode_history_page
from zkpov.node.fast_sync.ledger_chunks import LEDGER_CHUNK_BYTES, LedgerChunk, build_ledger_chunk
from zkpov.node.fast_sync.state_chunks import ServedState, StateChunk, build_state_chunk
from zkpov.node.rpc.app import create_app

STATE = AccountState(8)
STATE.credit(5, schnorr.generate_keypair().public_key, 9)
LEDGER = b"\x07" * (LEDGER_CHUNK_BYTES + 3)  # two chunks
BLOCKS = make_chain(4).blocks


class StubServer:
    """Serves height 3's accounts and no checkpoint."""

    def get_checkpoint(self) -> None:
        return None

    def get_chunk(self, height: int, level: int, position: int) -> StateChunk | None:
        return build_state_chunk(ServedState(3, STATE), level, position) if height == 3 else None

    def get_ledger_chunk(self, height: int, index: int) -> LedgerChunk | None:
        return build_ledger_chunk(3, LEDGER, index) if height == 3 else None

    def get_history_page(self, height: int, start: int) -> HistoryPage | None:
        return build_history_page(lambda h: BLOCKS[h] if 2 <= h <= 4 else None, height, start)


def get(path: str) -> tuple[int, Any]:
    app = create_app(FakeNode(), fast_sync=StubServer())  # type: ignore[arg-type]
    return get_json(path, app=app)


def test_a_chunk_holds_the_accounts_under_its_node() -> None:
    status, body = get("/v1/fast_sync/state?height=3&level=4&position=0")
    assert status == 200 and body["children"] is None
    assert [a["index"] for a in body["accounts"]] == [5] and body["accounts"][0]["balance"] == 9


def test_a_ledger_chunk_carries_its_slice_and_the_whole_size() -> None:
    status, body = get("/v1/fast_sync/ledger?height=3&index=1")
    assert status == 200 and (body["index"], body["count"]) == (1, 2)
    assert body["total_bytes"] == len(LEDGER) and body["data"] == "07" * 3
    for query, code in (("height=3&index=2", 404), ("height=3&index=256", 400), ("height=3", 400)):
        assert get(f"/v1/fast_sync/ledger?{query}")[0] == code


@pytest.mark.parametrize(
    ("query", "code"),
    [("height=4&level=4&position=0", 404), ("height=3&level=5&position=0", 400),
     ("height=3&level=4&position=1", 400), ("height=3&level=4", 400)],
)  # fmt: skip
def test_what_is_not_served_says_why(query: str, code: int) -> None:
    status, body = get(f"/v1/fast_sync/state?{query}")
    assert status == code and body["error"]["code"] == code


def test_a_history_page_carries_headers_down_to_the_retained_base() -> None:
    status, body = get("/v1/fast_sync/history?height=4&start=4")
    assert status == 200 and [e["header"] for e in body["entries"]] != []
    page = decode_history_page(body)
    assert [e.header for e in page.entries] == [b.header for b in BLOCKS[4:1:-1]]
    for query, code in (("height=4&start=1", 404), ("height=4&start=5", 404), ("height=4", 400),
                        ("height=4&start=-1", 400)):  # fmt: skip
        assert get(f"/v1/fast_sync/history?{query}")[0] == code


def test_no_checkpoint_yet_is_404_and_the_routes_are_described() -> None:
    assert get("/v1/fast_sync/checkpoint")[0] == 404
    _, doc = get("/openapi.json")
    routes = ("checkpoint", "state", "ledger", "history")
    assert {f"/v1/fast_sync/{route}" for route in routes} <= set(doc["paths"])
