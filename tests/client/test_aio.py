"""``AsyncZkpovClient`` against the real RPC app over a FakeNode (and a few hostile servers):
typed answers equal to the node's JSON, typed errors, caps, waits and the event stream."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.node.rpc.fake_view import FakeNode, compute_tx_hash
from tests.node.rpc.helpers import with_client
from zkpov.client import AsyncZkpovClient, models
from zkpov.client.codec import encode_answer
from zkpov.client.transfers import wait_committed, wait_proven
from zkpov.errors import DecodeError, RpcAnswerError, RpcStatusError, TransferFailedError

ClientFn = Callable[[AsyncZkpovClient, TestClient[Any, Any]], Awaitable[None]]


def with_node(
    fn: ClientFn, node: Any = None, app: web.Application | None = None, **kw: Any
) -> None:
    async def inner(test_client: TestClient[Any, Any]) -> None:
        async with AsyncZkpovClient(str(test_client.make_url("")), **kw) as client:
            await fn(client, test_client)

    with_client(inner, node or FakeNode(), app=app)


async def raw(test_client: TestClient[Any, Any], path: str, **params: str) -> Any:
    response = await test_client.get(path, params=params)
    assert response.status == 200
    return await response.json()


def test_answers_are_typed_and_encode_back_to_the_nodes_json() -> None:
    node = FakeNode(n_blocks=8)
    node.prove_up_to(2)

    async def fn(client: AsyncZkpovClient, test_client: TestClient[Any, Any]) -> None:
        status = await client.status()
        assert isinstance(status.sync_info.latest_state_root, bytes)
        assert encode_answer(status) == await raw(test_client, "/status")
        assert encode_answer(await client.block(3)) == await raw(test_client, "/block", height="3")
        assert encode_answer(await client.commit()) == await raw(test_client, "/commit")
        validators = await client.validators(page=2, per_page=1)
        assert validators.count == 1 and validators.validators[0].index == 1
        assert encode_answer(await client.net_info()) == await raw(test_client, "/net_info")
        assert (await client.finalized()).proven_final_height == 2
        assert (await client.proof(2)).height == 2
        found = await client.tx(compute_tx_hash(b"tx-2"))
        assert found.status == "committed" and found.height == 2 and found.tx == b"tx-2"

    with_node(fn, node)


def test_account_with_proof_and_argument_checks() -> None:
    async def fn(client: AsyncZkpovClient, test_client: TestClient[Any, Any]) -> None:
        found = await client.account(index=1, proof=True)
        assert found.proof is not None and len(found.proof.siblings) == found.proof.depth // 2
        doc = await raw(test_client, "/account", index="1", proof="true")
        assert encode_answer(found) == doc
        with pytest.raises(DecodeError, match="exactly one of index and public_key"):
            await client.account()

    with_node(fn)


def test_errors_carry_the_status_and_the_nodes_message() -> None:
    node = FakeNode(n_blocks=4)

    async def fn(client: AsyncZkpovClient, test_client: TestClient[Any, Any]) -> None:
        with pytest.raises(RpcStatusError, match="above the latest committed height") as found:
            await client.block(99)
        assert found.value.status == 404
        with pytest.raises(RpcStatusError) as bad:
            await client.validators(page=0)
        assert bad.value.status == 400
        node.available = False
        with pytest.raises(RpcStatusError, match="node is starting") as down:
            await client.status()
        assert down.value.status == 503

    with_node(fn, node)


def test_an_answer_over_the_cap_is_refused() -> None:
    async def fn(client: AsyncZkpovClient, test_client: TestClient[Any, Any]) -> None:
        with pytest.raises(RpcAnswerError, match="over 200"):
            await client.status()

    with_node(fn, max_response_bytes=200)


def _hostile_app(body: bytes, content_type: str) -> web.Application:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=content_type)

    app = web.Application()
    app.router.add_get("/status", answer)
    app.router.add_get("/events", answer)
    return app


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"<html>", "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b'{"node_info": 1}', "node_info: expected an object"),
    ],
)
def test_a_malformed_answer_is_a_typed_error(body: bytes, said: str) -> None:
    async def fn(client: AsyncZkpovClient, test_client: TestClient[Any, Any]) -> None:
        with pytest.raises(RpcAnswerError, match=said):
            await client.status()

    with_node(fn, app=_hostile_app(body, "application/json"))


def test_transfer_terms_are_checked_before_any_request() -> None:
    class Key:
        secret, public = b"\x01" * 32, b"\x02" * 32

    async def main() -> None:
        async with AsyncZkpovClient("http://127.0.0.1:9") as client:  # nothing listens
            with pytest.raises(DecodeError, match="recipient must be a 32-byte"):
                await client.send_transfer(Key(), b"\x00", 1)
            with pytest.raises(DecodeError, match="amount must be in"):
                await client.send_transfer(Key(), bytes(32), 2**64)
            with pytest.raises(DecodeError, match="nonce must be in"):
                await client.send_transfer(Key(), bytes(32), 1, nonce=0)
            with pytest.raises(DecodeError, match="wait must be None or one of"):
                await client.send_transfer(Key(), bytes(32), 1, wait="final")

    asyncio.run(main())


def test_waits_follow_committed_dropped_pending_and_proven() -> None:
    node = FakeNode(n_blocks=6)
    node.dropped[bytes(32)] = ("insufficient_balance", "the balance no longer covers it")
    node.mempool.append(b"stuck")

    async def fn(client: AsyncZkpovClient, test_client: TestClient[Any, Any]) -> None:
        soon = time.monotonic() + 5
        assert await wait_committed(client.tx, compute_tx_hash(b"tx-2"), soon) == 2
        with pytest.raises(TransferFailedError, match="dropped: insufficient_balance"):
            await wait_committed(client.tx, bytes(32), soon)
        with pytest.raises(TransferFailedError, match="not committed in time"):
            await wait_committed(client.tx, compute_tx_hash(b"stuck"), time.monotonic() + 0.6)
        with pytest.raises(TransferFailedError, match="not proven in time"):
            await wait_proven(client.status, 2, time.monotonic() + 0.6)
        node.prove_up_to(2)
        await wait_proven(client.status, 2, soon)

    with_node(fn, node)


def test_events_yield_the_chosen_kinds_as_blocks_come() -> None:
    node = FakeNode(n_blocks=3)

    async def collect(client: AsyncZkpovClient, seen: list[models.Event]) -> None:
        async for event in client.events(["finalized"]):
            seen.append(event)
            if len(seen) == 3:
                return

    async def fn(client: AsyncZkpovClient, test_client: TestClient[Any, Any]) -> None:
        seen: list[models.Event] = []
        reader = asyncio.create_task(collect(client, seen))
        while not reader.done():  # blocks until the subscription exists and three arrive
            node.add_block(())
            await asyncio.sleep(0.05)
        assert {e.type for e in seen} == {"finalized"}
        heights = [e.height for e in seen]
        assert heights == list(range(heights[0], heights[0] + 3))
        with pytest.raises(DecodeError, match="non-empty subset"):
            await anext(client.events(["gossip"]))

    with_node(fn, node)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"data: " + b"x" * 70_000 + b"\n\n", "a frame over 65536 bytes"),
        (b"data: " + b"x" * 2_000_000 + b"\n\n", "a line over the stream's line limit"),
        (b"data: " + b"{" * 10 + b"\n\n", "not JSON"),
        (b': keepalive\n\nid: 1\nevent: new_block\ndata: {"type": 1}\n\n', "type: expected str"),
    ],
)
def test_a_hostile_event_stream_is_a_typed_error(body: bytes, said: str) -> None:
    async def fn(client: AsyncZkpovClient, test_client: TestClient[Any, Any]) -> None:
        with pytest.raises(RpcAnswerError, match=said):
            await anext(client.events())

    with_node(fn, app=_hostile_app(body, "text/event-stream"))


def test_importing_the_client_loads_neither_the_native_core_nor_the_node() -> None:
    code = (
        "import sys, zkpov.client; "
        "print(','.join(m for m in ('zkpov._native', 'zkpov.node') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
