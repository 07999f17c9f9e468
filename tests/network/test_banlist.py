"""Banned peers: the ban list on its own, and the transport cutting off and refusing a peer."""

from __future__ import annotations

import asyncio
import contextlib

from tests.network.helpers import make_identity, run, start_node, wait_until
from zkpov.network.banlist import BanList
from zkpov.network.noise import PeerError

SERVER, PEER = make_identity(20), make_identity(21)
ALLOWED = {SERVER.validator_pk, PEER.validator_pk}


def test_a_ban_holds_until_it_expires_and_a_longer_one_stands() -> None:
    bans = BanList()
    bans.ban(b"a", until=10.0)
    assert bans.is_banned(b"a", 9.9) and not bans.is_banned(b"b", 0.0)
    bans.ban(b"a", until=5.0)  # shorter: the first ban stands
    assert bans.get_expiry(b"a", 0.0) == 10.0
    assert not bans.is_banned(b"a", 10.0) and len(bans) == 0


def test_a_full_list_drops_the_ban_that_ends_first() -> None:
    bans = BanList(capacity=2)
    bans.ban(b"a", 30.0)
    bans.ban(b"b", 10.0)
    bans.ban(b"c", 20.0)
    assert len(bans) == 2
    assert [bans.is_banned(pk, 0.0) for pk in (b"a", b"b", b"c")] == [True, False, True]


def test_a_banned_peer_is_cut_off_and_refused_until_the_ban_ends() -> None:
    async def body() -> None:
        server, peer = await start_node(SERVER, ALLOWED), await start_node(PEER, ALLOWED)
        conn = await peer.transport.dial(*server.address)
        await wait_until(lambda: server.transport.get_peer(PEER.validator_pk) is not None)
        server.transport.ban(PEER.validator_pk, 0.5)
        await asyncio.wait_for(conn.wait_closed(), 5)
        assert server.transport.get_peer(PEER.validator_pk) is None
        with contextlib.suppress(PeerError, OSError):  # the refusal may follow the handshake
            await peer.transport.dial(*server.address)
        await wait_until(lambda: peer.transport.get_peer(SERVER.validator_pk) is None)
        await asyncio.sleep(0.1)
        assert server.transport.get_peer(PEER.validator_pk) is None
        assert peer.transport.get_peer(SERVER.validator_pk) is None
        await asyncio.sleep(0.5)
        await peer.transport.dial(*server.address)
        await wait_until(lambda: server.transport.get_peer(PEER.validator_pk) is not None)
        await peer.transport.close()
        await server.transport.close()

    run(body())


def test_the_server_does_not_redial_a_banned_persistent_peer() -> None:
    async def body() -> None:
        server, peer = await start_node(SERVER, ALLOWED), await start_node(PEER, ALLOWED)
        server.transport.add_persistent_peer(*peer.address, validator_pk=PEER.validator_pk)
        await wait_until(lambda: peer.transport.get_peer(SERVER.validator_pk) is not None)
        server.transport.ban(PEER.validator_pk, 60.0)
        await wait_until(lambda: peer.transport.get_peer(SERVER.validator_pk) is None)
        await asyncio.sleep(1.0)  # several backoff periods (FAST caps them at 0.4 s)
        assert peer.transport.get_peer(SERVER.validator_pk) is None
        await peer.transport.close()
        await server.transport.close()

    run(body())
