"""Transport fault tests on loopback: misbehaving peers are cut off, good peers keep talking."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import time
from collections.abc import Awaitable, Callable

import pytest

from tests.network.helpers import FAST, Inbox, Node, make_identity, run, start_node, wait_until
from zkpov.network.channels import DEFAULT_CHANNELS, ChannelId
from zkpov.network.codec import Frame, encode_frame, pack_body, unpack_body
from zkpov.network.connection import Connection, TransportConfigError
from zkpov.network.noise import HandshakeError, PeerRefusedError, SecureStream, handshake
from zkpov.network.transport import Transport
from zkpov.spec.codec.messages import decode_message, encode_message
from zkpov.spec.messages import Vote, VoteData
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex

SERVER, GOOD, BAD = make_identity(10), make_identity(11), make_identity(12)
ALLOWED = {SERVER.validator_pk, GOOD.validator_pk, BAD.validator_pk}
Attack = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def secure(
    node: Node, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> SecureStream:
    return await handshake(reader, writer, BAD, ALLOWED.__contains__, initiator=True, timeout=2)


async def under_attack(
    attack: Callable[[Node, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> str | None:
    """Run ``attack`` against a server while a good peer sends it a numbered ping every 20 ms.

    Returns the reason the server gave for dropping the attacker (None if it was never admitted)
    after checking that the good peer was served throughout: its connection never dropped, every
    ping it sent arrived in order, and pings still arrive after the attack. How fast the server
    served it meanwhile is a measurement, not a test: benches/bench_transport_faults.py."""
    server, good = await start_node(SERVER, ALLOWED), await start_node(GOOD, ALLOWED)
    reasons: dict[bytes, str | None] = {}
    server.transport.add_listeners(
        disconnected=lambda c: reasons.setdefault(c.validator_pk, c.close_reason)
    )
    await good.transport.dial(*server.address)

    async def pinger() -> None:
        for i in range(10_000):
            good.transport.send(SERVER.validator_pk, ChannelId.CONSENSUS, pack_body(i))
            await asyncio.sleep(0.02)

    ping = asyncio.create_task(pinger())
    reader, writer = await asyncio.open_connection(*server.address)
    with contextlib.suppress(ConnectionError):  # the server may hang up mid-attack
        await attack(server, reader, writer)
    assert await asyncio.wait_for(_is_hung_up(reader), 6)
    after = len(server.inbox.frames)
    await server.inbox.wait_for(after + 3)  # the good peer is still served
    ping.cancel()
    assert GOOD.validator_pk not in reasons  # never dropped
    assert server.transport.get_peer(GOOD.validator_pk) is not None
    pings = [unpack_body(f.body) for pk, f in server.inbox.frames if pk == GOOD.validator_pk]
    assert pings == list(range(pings[0], pings[0] + len(pings)))  # none lost, none reordered
    await good.transport.close()
    await server.transport.close()
    return reasons.get(BAD.validator_pk)


async def _is_hung_up(reader: asyncio.StreamReader) -> bool:
    try:
        return await reader.read() == b""
    except ConnectionError:
        return True


def attack_reason(
    attack: Callable[[Node, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> str | None:
    result: list[str | None] = []

    async def body() -> None:
        result.append(await under_attack(attack))

    run(body())
    return result[0]


def test_garbage_before_the_handshake_is_cut_off() -> None:
    async def attack(
        node: Node, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(os.urandom(300))

    assert attack_reason(attack) is None


def test_a_silent_connection_is_cut_off_at_the_handshake_timeout() -> None:
    async def attack(
        node: Node, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        pass

    assert attack_reason(attack) is None


def test_garbage_after_the_handshake_is_cut_off() -> None:
    async def attack(
        node: Node, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await secure(node, reader, writer)
        writer.write(b"\x01\x00" + os.urandom(256))

    assert "does not decrypt" in str(attack_reason(attack))


def test_an_oversized_length_prefix_is_cut_off_before_the_body() -> None:
    async def attack(
        node: Node, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        stream = await secure(node, reader, writer)
        header = (2**32 - 1).to_bytes(4, "big") + bytes([ChannelId.TRANSACTIONS]) + bytes(4)
        stream.write_packet(bytes([ChannelId.TRANSACTIONS]) + header)

    assert "exceeds" in str(attack_reason(attack))


def test_an_unknown_channel_is_cut_off() -> None:
    async def attack(
        node: Node, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        stream = await secure(node, reader, writer)
        stream.write_packet(b"\x77" + encode_frame(Frame(ChannelId.CONSENSUS, 0, b"x")))

    assert "unknown channel" in str(attack_reason(attack))


def test_a_malformed_body_rejected_by_the_handler_is_cut_off() -> None:
    async def attack(
        node: Node, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        async def strict(conn: Connection, frame: Frame) -> None:
            unpack_body(frame.body)

        node.transport.register(ChannelId.TRANSACTIONS, strict)
        stream = await secure(node, reader, writer)
        stream.write_packet(
            bytes([ChannelId.TRANSACTIONS])
            + encode_frame(Frame(ChannelId.TRANSACTIONS, 0, b"\xc1"))
        )

    assert "not valid msgpack" in str(attack_reason(attack))


def test_slow_loris_inside_one_message_is_cut_off_at_the_read_timeout() -> None:
    async def attack(
        node: Node, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        stream = await secure(node, reader, writer)
        message = stream._noise.encrypt(b"\x20" + encode_frame(Frame(ChannelId.CONSENSUS, 0, b"v")))
        wire = len(message).to_bytes(2, "big") + message
        for (
            byte
        ) in wire:  # one byte every 0.3 s: each byte beats the 1 s timeout, the message does not
            if writer.is_closing():
                return
            writer.write(bytes([byte]))
            await asyncio.sleep(0.3)

    assert "read_timeout" in str(attack_reason(attack))


def test_slow_loris_across_messages_is_cut_off_at_the_frame_timeout() -> None:
    async def attack(
        node: Node, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        stream = await secure(node, reader, writer)
        frame = encode_frame(Frame(ChannelId.CONSENSUS, 0, b"v" * 100))
        for byte in frame:  # whole, valid messages, one frame byte each, every 0.4 s
            if writer.is_closing():
                return
            stream.write_packet(bytes([ChannelId.CONSENSUS, byte]))
            await asyncio.sleep(0.4)

    assert "frame_timeout" in str(attack_reason(attack))


def test_an_unknown_validator_key_is_refused_by_the_transport() -> None:
    """In XX the initiator finishes first, so a refused dialler sees its connection dropped."""

    async def body() -> None:
        server = await start_node(SERVER, ALLOWED)
        stranger_id = make_identity(77)
        stranger = await start_node(stranger_id, ALLOWED | {stranger_id.validator_pk})
        conn = await stranger.transport.dial(*server.address)
        await asyncio.wait_for(conn.wait_closed(), 3)
        assert conn.close_reason == "connection lost"
        assert server.transport.get_peers() == []
        await stranger.transport.close()
        await server.transport.close()

    run(body())


def test_a_dial_to_an_unexpected_validator_is_refused() -> None:
    async def body() -> None:
        server, dialler = await start_node(SERVER, ALLOWED), await start_node(GOOD, ALLOWED)
        with pytest.raises(PeerRefusedError):
            await dialler.transport.dial(*server.address, expected_pk=BAD.validator_pk)
        assert dialler.transport.get_peers() == []
        await dialler.transport.close()
        await server.transport.close()

    run(body())


def test_frames_over_a_channel_rate_are_dropped_and_counted() -> None:
    channels = dict(DEFAULT_CHANNELS)
    channels[ChannelId.TRANSACTIONS] = dataclasses.replace(
        channels[ChannelId.TRANSACTIONS], recv_frames_per_s=20.0, recv_burst=5
    )
    config = dataclasses.replace(FAST, channels=channels)

    async def body() -> None:
        server, sender = await start_node(SERVER, ALLOWED, config), await start_node(GOOD, ALLOWED)
        conn = await sender.transport.dial(*server.address)
        start = time.monotonic()
        for i in range(200):
            conn.send(ChannelId.TRANSACTIONS, pack_body(i))
        await wait_until(lambda: server.transport.get_peer(GOOD.validator_pk) is not None)
        peer = server.transport.get_peer(GOOD.validator_pk)
        assert peer is not None
        await wait_until(lambda: peer.stats.frames_in >= 200)
        allowed = 5 + 20 * (time.monotonic() - start) + 2
        assert len(server.inbox.frames) <= allowed
        assert peer.stats.dropped_in == 200 - len(server.inbox.frames) > 0
        assert peer.is_open()
        conn.send(ChannelId.CONSENSUS, b"\x01")  # other channels are unaffected
        await wait_until(
            lambda: any(f.channel == ChannelId.CONSENSUS for _, f in server.inbox.frames)
        )
        await sender.transport.close()
        await server.transport.close()

    run(body())


def test_inbound_bytes_are_throttled_to_the_configured_rate() -> None:
    config = dataclasses.replace(
        FAST, recv_bytes_per_s=1_000_000.0, recv_burst_bytes=100_000.0, frame_timeout=10.0
    )

    async def body() -> None:
        server, sender = await start_node(SERVER, ALLOWED, config), await start_node(GOOD, ALLOWED)
        conn = await sender.transport.dial(*server.address)
        start = time.monotonic()
        for _ in range(3):
            conn.send(ChannelId.BLOCK_SYNC, b"s" * 500_000, 1)
        await server.inbox.wait_for(3, timeout=10)
        assert time.monotonic() - start >= 1.2  # 1.5 MB at 1 MB/s after a 0.1 MB burst
        await sender.transport.close()
        await server.transport.close()

    run(body())


def test_a_vote_overtakes_queued_sync_traffic() -> None:
    async def body() -> None:
        server, sender = await start_node(SERVER, ALLOWED), await start_node(GOOD, ALLOWED)
        conn = await sender.transport.dial(*server.address)
        for _ in range(8):
            conn.send(ChannelId.BLOCK_SYNC, b"s" * 1_000_000, 1)
        await asyncio.sleep(0)  # the writer starts on the sync frames
        conn.send(ChannelId.CONSENSUS, b"vote")
        await server.inbox.wait_for(9, timeout=10)
        channels = [frame.channel for _, frame in server.inbox.frames]
        assert channels.index(ChannelId.CONSENSUS) < 2, channels
        await sender.transport.close()
        await server.transport.close()

    run(body())


def test_persistent_peer_reconnects_with_backoff() -> None:
    async def body() -> None:
        probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = probe.sockets[0].getsockname()[1]
        probe.close()
        await probe.wait_closed()
        dialler = await start_node(GOOD, ALLOWED)
        dialler.transport.add_persistent_peer("127.0.0.1", port)
        await asyncio.sleep(0.6)  # nobody listens: delays double from 0.05 s up to 0.4 s
        (persistent,) = dialler.transport.get_persistent_peers()
        assert 3 <= persistent.dial_attempts <= 8, persistent.dial_attempts
        server = await _listen_at(port)
        await wait_until(lambda: server.transport.get_peer(GOOD.validator_pk) is not None)
        server.transport.get_peer(GOOD.validator_pk).close("test drops the link")  # type: ignore[union-attr]
        await wait_until(lambda: server.transport.get_peer(GOOD.validator_pk) is None)
        await wait_until(lambda: server.transport.get_peer(GOOD.validator_pk) is not None)
        await dialler.transport.close()
        await server.transport.close()

    run(body())


async def _listen_at(port: int) -> Node:
    transport = Transport(SERVER, ALLOWED.__contains__, FAST)
    inbox = Inbox()
    transport.register(ChannelId.CONSENSUS, inbox.on_frame)
    return Node(SERVER, transport, inbox, await transport.start("127.0.0.1", port))


def test_simultaneous_dials_leave_one_connection() -> None:
    async def body() -> None:
        a, b = await start_node(SERVER, ALLOWED), await start_node(GOOD, ALLOWED)
        await asyncio.gather(
            a.transport.dial(*b.address), b.transport.dial(*a.address), return_exceptions=True
        )
        await asyncio.sleep(0.2)
        ab, ba = a.transport.get_peer(GOOD.validator_pk), b.transport.get_peer(SERVER.validator_pk)
        assert ab is not None and ba is not None and ab.is_open() and ba.is_open()
        assert ab.outbound != ba.outbound
        ab.send(ChannelId.CONSENSUS, b"x")
        await b.inbox.wait_for(1)
        await a.transport.close()
        await b.transport.close()

    run(body())


def test_max_peers_refuses_extra_inbound_connections() -> None:
    config = dataclasses.replace(FAST, max_peers=1)

    async def body() -> None:
        server = await start_node(SERVER, ALLOWED, config)
        first, second = await start_node(GOOD, ALLOWED), await start_node(BAD, ALLOWED)
        await first.transport.dial(*server.address)
        await wait_until(lambda: len(server.transport.get_peers()) == 1)
        with pytest.raises(HandshakeError):
            await second.transport.dial(*server.address)
        for node in (first, second, server):
            await node.transport.close()

    run(body())


def test_close_stops_every_task() -> None:
    async def body() -> None:
        a, b = await start_node(SERVER, ALLOWED), await start_node(GOOD, ALLOWED)
        a.transport.add_persistent_peer(*b.address)
        await wait_until(lambda: b.transport.get_peer(SERVER.validator_pk) is not None)
        await a.transport.close()
        await b.transport.close()
        await asyncio.sleep(0)
        names = [t.get_coro().__qualname__ for t in asyncio.all_tasks()]  # type: ignore[union-attr]
        assert not [n for n in names if n.startswith(("Connection.", "Transport."))], names

    run(body())


def test_sending_an_oversized_body_is_a_programming_error() -> None:
    async def body() -> None:
        server, sender = await start_node(SERVER, ALLOWED), await start_node(GOOD, ALLOWED)
        conn = await sender.transport.dial(*server.address)
        with pytest.raises(ValueError):
            conn.send(
                ChannelId.TRANSACTIONS,
                b"x" * (DEFAULT_CHANNELS[ChannelId.TRANSACTIONS].max_body_bytes + 1),
            )
        await sender.transport.close()
        await server.transport.close()

    run(body())


def test_a_silent_peer_is_cut_off_at_the_idle_timeout_while_keepalives_hold_good_links() -> None:
    config = dataclasses.replace(FAST, idle_timeout=1.0, ping_interval=0.3)

    async def body() -> None:
        server = await start_node(SERVER, ALLOWED, config)
        good = await start_node(GOOD, ALLOWED, config)
        await good.transport.dial(*server.address)
        reader, writer = await asyncio.open_connection(*server.address)
        await secure(server, reader, writer)  # then says nothing, not even keepalives
        await wait_until(lambda: server.transport.get_peer(BAD.validator_pk) is not None)
        await asyncio.wait_for(_is_hung_up(reader), 3)
        assert server.transport.get_peer(GOOD.validator_pk) is not None  # idle but alive
        await good.transport.close()
        await server.transport.close()

    run(body())


def test_a_policy_change_disconnects_peers_no_longer_allowed() -> None:
    async def body() -> None:
        allowed = set(ALLOWED)
        server = await start_node(SERVER, allowed)
        good = await start_node(GOOD, ALLOWED)
        await good.transport.dial(*server.address)
        await wait_until(lambda: server.transport.get_peer(GOOD.validator_pk) is not None)
        assert server.transport.process_policy_change() == 0
        allowed.discard(GOOD.validator_pk)
        assert server.transport.process_policy_change() == 1
        await wait_until(lambda: server.transport.get_peer(GOOD.validator_pk) is None)
        await good.transport.close()
        await server.transport.close()

    run(body())


def test_traffic_is_counted_by_channel_across_connections() -> None:
    async def body() -> None:
        server, sender = await start_node(SERVER, ALLOWED), await start_node(GOOD, ALLOWED)
        conn = await sender.transport.dial(*server.address)
        conn.send(ChannelId.CONSENSUS, b"v" * 91)
        conn.send(ChannelId.TRANSACTIONS, b"t" * 11)
        await server.inbox.wait_for(2)
        conn.close("done")
        await conn.wait_closed()
        assert sender.transport.traffic.sent == {
            ChannelId.CONSENSUS: 100,
            ChannelId.TRANSACTIONS: 20,
        }
        assert server.transport.traffic.received == sender.transport.traffic.sent
        await sender.transport.close()
        await server.transport.close()

    run(body())


def test_consensus_messages_cross_and_a_malformed_one_cuts_the_sender() -> None:
    """The node decodes CONSENSUS bodies with the consensus codec; its DecodeError is the cue."""
    vote = Vote(
        VoteData(Epoch(1), Round(5), BlockId(b"b" * 32), Round(4), BlockId(b"p" * 32)),
        ValidatorIndex(2), b"s" * 96,
    )  # fmt: skip

    async def body() -> None:
        server, sender = await start_node(SERVER, ALLOWED), await start_node(GOOD, ALLOWED)
        decoded: list[object] = []

        async def on_consensus(conn: Connection, frame: Frame) -> None:
            decoded.append(decode_message(frame.body))

        server.transport.register(ChannelId.CONSENSUS, on_consensus)
        conn = await sender.transport.dial(*server.address)
        conn.send(ChannelId.CONSENSUS, encode_message(vote))
        await wait_until(lambda: decoded == [vote])
        conn.send(ChannelId.CONSENSUS, encode_message(vote)[:-3])
        await asyncio.wait_for(conn.wait_closed(), 3)
        assert decoded == [vote]
        await sender.transport.close()
        await server.transport.close()

    run(body())


@pytest.mark.parametrize(
    "change",
    [{"read_timeout": 0}, {"max_peers": -1}, {"idle_timeout": float("nan")},
     {"backoff_cap": True}, {"ping_interval": 60.0}, {"channels": {}},
     {"max_pending_per_source": 65}],
)  # fmt: skip
def test_transport_config_rejects_bad_values(change: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(TransportConfigError):
        dataclasses.replace(FAST, **change)
