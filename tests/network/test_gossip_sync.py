"""Gossip (dedup, relay only valid messages) and request/response (ids, timeouts, caps)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from tests.network.helpers import FAST, make_identity, run, wait_until
from zkpov.errors import DecodeError
from zkpov.network.channels import ChannelId
from zkpov.network.codec import RESPONSE_FLAG
from zkpov.network.gossip import Gossip
from zkpov.network.noise import NodeIdentity, PeerError
from zkpov.network.sync import RequestChannel, RequestTimeoutError
from zkpov.network.transport import Transport

IDS = [make_identity(20 + i) for i in range(3)]
ALLOWED = {identity.validator_pk for identity in IDS}


class GossipNode:
    def __init__(self, identity: NodeIdentity, accept: bool = True) -> None:
        self.transport = Transport(identity, ALLOWED.__contains__, FAST)
        self.received: list[bytes] = []
        self.accept = accept
        self.gossip = Gossip(self.transport, ChannelId.TRANSACTIONS, self.on_message)

    async def on_message(self, body: bytes, sender: bytes | None) -> bool:
        if body == b"malformed":
            raise DecodeError("not a transaction")
        self.received.append(body)
        return self.accept


async def mesh(nodes: list[GossipNode], edges: list[tuple[int, int]]) -> None:
    addresses = [await node.transport.start() for node in nodes]
    for a, b in edges:
        await nodes[a].transport.dial(*addresses[b])
    for a, b in edges:
        await wait_until(
            lambda a=a, b=b: nodes[b].transport.get_peer(IDS[a].validator_pk) is not None
        )


async def close_all(nodes: list[GossipNode]) -> None:
    for node in nodes:
        await node.transport.close()


def test_gossip_reaches_everyone_once_in_a_triangle() -> None:
    async def body() -> None:
        nodes = [GossipNode(identity) for identity in IDS]
        await mesh(nodes, [(0, 1), (1, 2), (0, 2)])
        assert nodes[0].gossip.publish(b"tx-1") == 2
        assert nodes[0].gossip.publish(b"tx-1") == 0  # already seen
        await wait_until(lambda: nodes[1].received and nodes[2].received)
        await wait_until(lambda: nodes[1].gossip.duplicates + nodes[2].gossip.duplicates >= 2)
        await asyncio.sleep(0.1)
        assert nodes[1].received == nodes[2].received == [b"tx-1"]
        assert nodes[0].received == []  # its own message came back only as a duplicate
        await close_all(nodes)

    run(body())


def test_gossip_does_not_relay_what_the_application_rejects() -> None:
    async def body() -> None:
        nodes = [GossipNode(IDS[0]), GossipNode(IDS[1], accept=False), GossipNode(IDS[2])]
        await mesh(nodes, [(0, 1), (1, 2)])
        nodes[0].gossip.publish(b"bad-tx")
        await wait_until(lambda: nodes[1].received == [b"bad-tx"])
        await asyncio.sleep(0.2)
        assert nodes[2].received == []
        await close_all(nodes)

    run(body())


def test_gossip_disconnects_a_sender_of_malformed_messages() -> None:
    async def body() -> None:
        nodes = [GossipNode(IDS[0]), GossipNode(IDS[1])]
        await mesh(nodes, [(0, 1)])
        nodes[0].gossip.publish(b"malformed")
        await wait_until(lambda: nodes[1].transport.get_peer(IDS[0].validator_pk) is None)
        await close_all(nodes)

    run(body())


def test_gossip_seen_cache_is_bounded() -> None:
    node = GossipNode(IDS[0])
    node.gossip._capacity = 2
    assert node.gossip.is_new(b"a") and node.gossip.is_new(b"b") and node.gossip.is_new(b"c")
    assert node.gossip.is_new(b"a")  # evicted, so new again
    assert not node.gossip.is_new(b"c")


@dataclass
class Serving:
    """How many requests the server's handler is inside at once, and the most it ever was."""

    now: int = 0
    peak: int = 0


async def sync_pair(
    serve_delay: float = 0.0,
    max_serving: int = 4,
    max_queued: int = 32,
    serving: Serving | None = None,
) -> tuple[Transport, Transport, RequestChannel, RequestChannel]:
    count = serving or Serving()

    async def serve(body: bytes, peer: bytes) -> bytes:
        if body == b"malformed":
            raise DecodeError("bad request")
        count.now += 1
        count.peak = max(count.peak, count.now)
        try:
            await asyncio.sleep(serve_delay)
        finally:
            count.now -= 1
        return b"re:" + body

    server = Transport(IDS[0], ALLOWED.__contains__, FAST)
    client = Transport(IDS[1], ALLOWED.__contains__, FAST)
    server_channel = RequestChannel(
        server, ChannelId.BLOCK_SYNC, serve, max_serving=max_serving, max_queued=max_queued
    )
    client_channel = RequestChannel(client, ChannelId.BLOCK_SYNC)
    await client.dial(*(await server.start()))
    await wait_until(lambda: server.get_peer(IDS[1].validator_pk) is not None)
    return server, client, server_channel, client_channel


def test_requests_get_their_own_responses() -> None:
    async def body() -> None:
        server, client, _, channel = await sync_pair()
        pk = IDS[0].validator_pk
        replies = await asyncio.gather(*(channel.request(pk, b"%d" % i, 2.0) for i in range(10)))
        assert replies == [b"re:%d" % i for i in range(10)]
        await client.close()
        await server.close()

    run(body())


def test_a_slow_server_times_out_and_a_late_response_is_dropped() -> None:
    async def body() -> None:
        server, client, _, channel = await sync_pair(serve_delay=0.3)
        with pytest.raises(RequestTimeoutError):
            await channel.request(IDS[0].validator_pk, b"x", 0.1)
        await wait_until(lambda: channel.unmatched == 1)
        await client.close()
        await server.close()

    run(body())


def test_serving_is_capped_per_peer() -> None:
    async def body() -> None:
        serving = Serving()
        server, client, served, channel = await sync_pair(
            0.3, max_serving=1, max_queued=2, serving=serving
        )
        pk = IDS[0].validator_pk
        requests = (channel.request(pk, b"q", 1.5) for _ in range(5))
        results = await asyncio.gather(*requests, return_exceptions=True)
        assert results[:3] == [b"re:q"] * 3  # served, two of them after waiting in the queue
        assert all(isinstance(r, RequestTimeoutError) for r in results[3:])
        assert serving.peak == 1  # one at a time
        assert served.refused == 2
        await client.close()
        await server.close()

    run(body())


def test_a_disconnect_fails_pending_requests_at_once() -> None:
    async def body() -> None:
        server, client, _, channel = await sync_pair(serve_delay=5.0)
        pending = asyncio.create_task(channel.request(IDS[0].validator_pk, b"x", 10.0))
        await asyncio.sleep(0.1)
        await server.close()
        with pytest.raises(PeerError, match="disconnected"):
            await asyncio.wait_for(pending, 3)
        with pytest.raises(PeerError, match="not connected"):
            await channel.request(IDS[0].validator_pk, b"x", 1.0)
        await client.close()

    run(body())


def test_malformed_requests_disconnect_the_requester() -> None:
    async def body() -> None:
        server, client, _, channel = await sync_pair()
        client_pk = IDS[1].validator_pk
        with pytest.raises(PeerError):
            await channel.request(IDS[0].validator_pk, b"malformed", 2.0)
        await wait_until(lambda: server.get_peer(client_pk) is None)
        await client.close()
        await server.close()

    run(body())


def test_a_request_without_an_id_disconnects_the_sender() -> None:
    async def body() -> None:
        server, client, _, _ = await sync_pair()
        client.send(IDS[0].validator_pk, ChannelId.BLOCK_SYNC, b"x", 0)
        await wait_until(lambda: server.get_peer(IDS[1].validator_pk) is None)
        assert RESPONSE_FLAG == 1 << 31
        await client.close()
        await server.close()

    run(body())
