"""``GET /events``: SSE delivery, filtering, caps, heartbeats and clean endings."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from tests.node.rpc.fake_view import FakeNode
from tests.node.rpc.helpers import assert_error, get_json, with_client
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.events import EventHubConfig
from zkpov.node.rpc.server import RpcConfig, RpcServer

Frame = dict[str, str]


async def read_frame(response: aiohttp.ClientResponse) -> Frame:
    """The next SSE frame as ``{field: value}``; comment lines under the key ``":"``."""
    frame: Frame = {}
    while True:
        line = (await asyncio.wait_for(response.content.readline(), 5)).decode()
        if line in ("\n", ""):
            if frame or line == "":
                return frame
            continue
        key, _, value = line.rstrip("\n").partition(": ") if line[0] != ":" else (":", "", line)
        frame[key] = value


async def read_events(response: aiohttp.ClientResponse, count: int) -> list[Frame]:
    frames: list[Frame] = []
    while len(frames) < count:
        frame = await read_frame(response)
        assert frame, "stream ended early"
        if "event" in frame:
            frames.append(frame)
    return frames


def test_stream_delivers_events_in_order() -> None:
    node = FakeNode(n_blocks=4)

    async def fn(client: TestClient[Any, Any]) -> None:
        response = await client.get("/events")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        block = node.add_block((b"a", b"b"))
        node.prove_up_to(1)
        frames = await read_events(response, 3)
        assert [f["event"] for f in frames] == ["new_block", "finalized", "proven_final"]
        assert [f["id"] for f in frames] == ["1", "2", "3"]
        certified = json.loads(frames[0]["data"])
        assert certified["block_id"] == node.tree[block.height - 1].id.hex()
        assert json.loads(frames[1]["data"])["height"] == node.tip
        response.close()

    with_client(fn, node)


def test_stream_filters_by_type() -> None:
    node = FakeNode(n_blocks=4)

    async def fn(client: TestClient[Any, Any]) -> None:
        response = await client.get("/events?types=finalized,proven_final")
        node.add_block(())
        node.add_block(())
        frames = await read_events(response, 2)
        assert {f["event"] for f in frames} == {"finalized"}
        response.close()

    with_client(fn, node)


def test_bad_types_are_400() -> None:
    for bad in ("nope", "new_block,", "", "NEW_BLOCK", "new_block,,finalized"):
        assert_error(*get_json("/events", params={"types": bad}), 400, "types")


def test_subscriber_cap_gives_503() -> None:
    node = FakeNode(hub=EventHubConfig(max_subscribers=1))

    async def fn(client: TestClient[Any, Any]) -> None:
        first = await client.get("/events")
        second = await client.get("/events")
        assert second.status == 503
        assert "too many" in (await second.json())["error"]["message"]
        first.close()

    with_client(fn, node)


def test_heartbeat_and_client_disconnect_frees_the_subscription() -> None:
    node = FakeNode()

    async def fn(client: TestClient[Any, Any]) -> None:
        response = await client.get("/events")
        assert await read_frame(response) == {"retry": "3000"}
        assert ":" in await read_frame(response)  # a keepalive comment
        assert node.hub.get_subscriber_count() == 1
        response.close()
        for _ in range(250):  # 5 s: generous on a loaded machine
            if node.hub.get_subscriber_count() == 0:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("subscription not released after the client left")

    with_client(fn, node, config=RpcConfig(sse_heartbeat_seconds=0.05))


def test_node_closing_the_hub_ends_the_stream() -> None:
    node = FakeNode()

    async def fn(client: TestClient[Any, Any]) -> None:
        response = await client.get("/events")
        node.add_block(())
        node.hub.close()
        frames = []
        while frame := await read_frame(response):
            frames.append(frame)
        assert [f.get("event") for f in frames] == [None, "new_block", "finalized"]

    with_client(fn, node)


def test_server_stop_ends_open_streams_cleanly() -> None:
    """Stop closes open streams itself: each ends at a frame boundary with the end of the chunked
    body. A stream left to aiohttp's shutdown timeout would be cut off instead (the read below
    raises ClientPayloadError), after seconds; benches/bench_rpc.py times stop()."""

    async def main() -> None:
        server = RpcServer(create_app(FakeNode()), RpcConfig(port=0))
        await server.start()
        async with aiohttp.ClientSession() as session:
            response = await session.get(f"http://127.0.0.1:{server.get_port()}/events")
            assert await read_frame(response) == {"retry": "3000"}
            await server.stop()
            assert await read_frame(response) == {}

    asyncio.run(main())
