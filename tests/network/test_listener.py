"""The inbound side under attack on loopback: half-open handshakes, forged hellos, close. The
attackers here share the honest peers' address (the hard case for per-address limits)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging

import pytest

from tests.network.attackers import forge, is_hung_up, open_half_handshakes
from tests.network.helpers import FAST, make_identity, run, start_node, wait_until
from zkpov.crypto import bls
from zkpov.network import noise
from zkpov.network.channels import ChannelId
from zkpov.network.codec import pack_body
from zkpov.network.noise import HandshakeError, handshake
from zkpov.network.transport import Transport

SERVER, GOOD, LATE, BAD = (make_identity(s) for s in (20, 21, 22, 23))
ALLOWED = {SERVER.validator_pk, GOOD.validator_pk, LATE.validator_pk, BAD.validator_pk}
SLOW = dataclasses.replace(FAST, handshake_timeout=120.0)  # attackers are never timed out here


def test_half_open_handshakes_never_keep_a_newcomer_out() -> None:
    async def body() -> None:
        server = await start_node(SERVER, ALLOWED, SLOW)
        good = await start_node(GOOD, ALLOWED)
        await good.transport.dial(*server.address)
        held = await open_half_handshakes(server.address, 250, source="127.0.0.1")
        pending = server.transport.listener.pending
        await wait_until(lambda: len(pending) == SLOW.max_pending_per_source)
        late = await start_node(LATE, ALLOWED)
        await late.transport.dial(*server.address)  # evicts the oldest half-open handshake
        for peer in (good, late):
            assert peer.transport.send(SERVER.validator_pk, ChannelId.CONSENSUS, pack_body(1))
        await server.inbox.wait_for(2)
        hung_up = await asyncio.gather(*(is_hung_up(r) for r, _ in held[:-4]))
        assert all(hung_up)  # all but the newest per-source slots were evicted
        for _, writer in held:
            writer.close()
        for node in (good, late, server):
            await node.transport.close()

    run(body())


def test_close_cancels_pending_handshakes() -> None:
    async def body() -> None:
        server = await start_node(SERVER, ALLOWED, SLOW)
        reader, writer = await asyncio.open_connection(*server.address)
        await wait_until(lambda: len(server.transport.listener.pending) == 1)
        await asyncio.wait_for(server.transport.close(), 20)  # not the 120 s handshake timeout
        assert await asyncio.wait_for(is_hung_up(reader), 5)
        writer.close()

    run(body())


def test_forged_hellos_get_a_bounded_number_of_signature_checks(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = dataclasses.replace(FAST, verify_per_s=1.0, verify_burst=5.0)
    checked: list[bytes] = []
    verify = bls.verify

    def counting_verify(pk: bytes, message: bytes, signature: bytes) -> bool:
        checked.append(pk)
        return verify(pk, message, signature)

    monkeypatch.setattr(noise.bls, "verify", counting_verify)
    forged = forge(make_identity(99), GOOD.validator_pk)

    async def body() -> None:
        server = await start_node(SERVER, ALLOWED, config)
        started = asyncio.get_running_loop().time()
        for _ in range(40):
            reader, writer = await asyncio.open_connection(*server.address)
            stream = await handshake(
                reader, writer, forged, ALLOWED.__contains__, initiator=True, timeout=2
            )
            assert await is_hung_up(stream.reader)  # the server refused the forged hello
            writer.close()
        elapsed = asyncio.get_running_loop().time() - started
        forged_checks = checked.count(GOOD.validator_pk)
        assert 5 <= forged_checks <= 5 + elapsed * 1.0 + 1
        await server.transport.close()

    with caplog.at_level(logging.INFO, logger="zkpov.network"):
        run(body())
    lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(lines) <= 2 + 1  # the first, maybe one after 10 s, the flush at close
    assert any("HandshakeRateError" in line for line in lines)


def test_reserved_keys_are_admitted_beyond_max_peers_and_others_are_not() -> None:
    config = dataclasses.replace(FAST, max_peers=1)
    reserved = {GOOD.validator_pk, LATE.validator_pk}

    async def body() -> None:
        server = Transport(SERVER, ALLOWED.__contains__, config, reserved=reserved.__contains__)
        address = await server.start("127.0.0.1", 0)
        peers = [await start_node(identity, ALLOWED) for identity in (GOOD, LATE, BAD)]
        for peer in peers:
            with contextlib.suppress(HandshakeError, ConnectionError):
                await peer.transport.dial(*address)
        await wait_until(lambda: len(server.get_peers()) == 2)
        await asyncio.sleep(0.2)  # BAD, not reserved, was refused once the one slot was taken
        assert {conn.validator_pk for conn in server.get_peers()} == reserved
        for peer in peers:
            await peer.transport.close()
        await server.close()

    run(body())
