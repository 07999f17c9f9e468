"""Transfer gossip: only admitted transfers are sent to peers; the transfers peers send within
one event-loop turn are admitted together, in order; a peer's malformed transfer disconnects
it, its other refused ones are only counted."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from tests.network.helpers import make_identity, run, start_node, wait_until
from zkpov.chain.operations import Payout, sign_delegate
from zkpov.chain.state import AccountState, sign_transfer
from zkpov.chain.transition import compute_genesis_state
from zkpov.config import ConsensusConfig
from zkpov.crypto import bls, schnorr
from zkpov.errors import DecodeError
from zkpov.network.channels import ChannelId
from zkpov.network.codec import Frame
from zkpov.network.connection import Connection
from zkpov.network.transport import Transport
from zkpov.node.consensus_io import tx_gossip
from zkpov.node.consensus_io.input_guard import ForgedTransfer
from zkpov.node.consensus_io.tx_gossip import GOSSIP_TX, TxGossip
from zkpov.node.state.mempool import Mempool
from zkpov.node.state.stake_admission import StakeRules
from zkpov.types import BLSPubkey

KEY, TARGET = schnorr.generate_keypair(), schnorr.generate_keypair()


@dataclass
class FakeTransport:
    sent: list[bytes] = field(default_factory=list)

    def broadcast(self, channel: ChannelId, body: bytes) -> None:
        self.sent.append(body)


def make_gossip() -> tuple[TxGossip, FakeTransport, list[str]]:
    state, rejected = AccountState(8), list[str]()
    state.credit(1, KEY.public_key, 100)
    transport = FakeTransport()
    pool = Mempool(lambda: state, on_rejected=rejected.append)
    return TxGossip(cast(Transport, transport), pool), transport, rejected


def transfer(nonce: int) -> bytes:
    return sign_transfer(KEY.secret_key, 1, 2, TARGET.public_key, 5, nonce, 1).to_bytes()


@dataclass
class FakeConnection:
    close_reason: str | None = None
    validator_pk: bytes = b"peer-key"

    def close(self, reason: str) -> None:
        self.close_reason = reason


def receive(gossip: TxGossip, *frames: tuple[FakeConnection, bytes]) -> None:
    """Delivers ``frames`` within one event-loop turn, then lets the turn end."""

    async def deliver() -> None:
        for conn, body in frames:
            frame = Frame(ChannelId.TRANSACTIONS, 0, GOSSIP_TX + body)
            await gossip.on_frame(cast(Connection, cast(Any, conn)), frame)
        await asyncio.sleep(0)

    asyncio.run(deliver())


def count_batches(gossip: TxGossip) -> list[int]:
    sizes: list[int] = []
    add_many = gossip.mempool.add_many
    gossip.mempool.add_many = lambda txs: sizes.append(len(txs)) or add_many(txs)  # type: ignore[method-assign]
    return sizes


def test_only_admitted_transfers_are_sent_to_peers() -> None:
    gossip, transport, rejected = make_gossip()
    assert gossip.submit_tx(transfer(1)).accepted
    assert not gossip.submit_tx(transfer(3)).accepted  # a nonce gap
    assert transport.sent == [GOSSIP_TX + transfer(1)] and rejected == ["nonce_gap"]


def test_a_peers_malformed_transfer_disconnects_and_a_stale_one_does_not() -> None:
    gossip, transport, rejected = make_gossip()
    bad, stale = FakeConnection(), FakeConnection()
    receive(gossip, (bad, b"\x00" * 10))
    assert bad.close_reason is not None and "malformed transfer" in bad.close_reason
    receive(gossip, (stale, transfer(2)))  # a gap here: may be stale or early, so only counted
    receive(gossip, (stale, transfer(1)))
    assert stale.close_reason is None
    assert len(gossip.mempool) == 1 and transport.sent == []  # nothing received is relayed
    assert rejected == ["malformed", "nonce_gap"]


def test_a_bad_signature_or_malformed_transfer_is_a_peers_offence_a_stale_one_is_not() -> None:
    gossip, _, rejected = make_gossip()
    offences: list[tuple[bytes, Exception]] = []
    gossip.on_offence = lambda pk, err: offences.append((pk, err))
    forged = bytearray(transfer(1))
    # The lowest bit of the little-endian scalar s (R || s): s stays canonical, so this is a bad
    # signature, not a malformed one (a flip in the top byte made s >= r_J about 5% of the time).
    forged[-32] ^= 1
    peer = FakeConnection()
    receive(gossip, (peer, bytes(forged)), (peer, transfer(3)), (peer, b"\x00" * 10))
    assert rejected == ["bad_signature", "nonce_gap", "malformed"]
    assert [(pk, type(err)) for pk, err in offences] == [
        (b"peer-key", ForgedTransfer), (b"peer-key", DecodeError),
    ]  # fmt: skip


def test_transfers_within_one_turn_are_admitted_together_in_order() -> None:
    gossip, _, rejected = make_gossip()
    sizes = count_batches(gossip)
    first, second = FakeConnection(), FakeConnection()
    receive(gossip, (first, transfer(1)), (second, transfer(3)), (first, transfer(2)))
    assert sizes == [3] and len(gossip.mempool) == 2 and rejected == ["nonce_gap"]
    receive(gossip, (second, b"junk"), (first, transfer(3)))
    assert sizes == [3, 2] and len(gossip.mempool) == 3
    assert first.close_reason is None and second.close_reason is not None


def test_the_queue_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tx_gossip, "MAX_QUEUED_TXS", 2)
    gossip, _, _ = make_gossip()
    sizes = count_batches(gossip)
    peer = FakeConnection()
    receive(gossip, *[(peer, transfer(n)) for n in range(1, 6)])
    assert sizes == [2, 2, 1] and len(gossip.mempool) == 5


def test_a_real_peers_burst_is_admitted_in_batches_and_a_malformed_sender_dropped() -> None:
    server_id, good_id, bad_id = make_identity(31), make_identity(32), make_identity(33)
    allowed = {i.validator_pk for i in (server_id, good_id, bad_id)}
    state = AccountState(8)
    state.credit(1, KEY.public_key, 1000)

    async def scenario() -> None:
        server, good, bad = [await start_node(i, allowed) for i in (server_id, good_id, bad_id)]
        gossip = TxGossip(server.transport, Mempool(lambda: state, max_per_sender=64))
        gossip.register()
        sizes, reasons = count_batches(gossip), dict[bytes, str | None]()
        server.transport.add_listeners(
            disconnected=lambda c: reasons.setdefault(c.validator_pk, c.close_reason)
        )
        for peer in (good, bad):
            await peer.transport.dial(*server.address)
        await wait_until(lambda: len(server.transport.get_peers()) == 2)
        for nonce in range(1, 41):
            good.transport.broadcast(ChannelId.TRANSACTIONS, GOSSIP_TX + transfer(nonce))
        bad.transport.broadcast(ChannelId.TRANSACTIONS, GOSSIP_TX + b"\x00" * 10)
        await wait_until(lambda: len(gossip.mempool) == 40 and bad_id.validator_pk in reasons)
        assert "malformed transfer" in str(reasons[bad_id.validator_pk])
        assert good_id.validator_pk not in reasons
        assert sum(sizes) == 41 and len(sizes) < 41  # the burst shared batches
        for node in (server, good, bad):
            await node.transport.close()

    run(scenario())


def test_a_peers_payout_is_malformed_and_disconnects_it() -> None:
    """Payouts come from the staking rules inside blocks, never from a peer's gossip."""
    gossip, transport, rejected = make_gossip()
    peer = FakeConnection()
    receive(gossip, (peer, Payout(1, KEY.public_key, 5).to_bytes()))
    assert rejected == ["malformed"] and "payout" in (peer.close_reason or "")
    assert transport.sent == []


def test_a_peers_staking_op_is_admitted_and_a_client_one_sent_to_peers() -> None:
    state = AccountState(8)
    state.credit(1, KEY.public_key, 100)
    state.credit(2, TARGET.public_key, 100)
    pk = BLSPubkey(bls.sk_to_pk(bls.generate_secret_key()))
    ledger = compute_genesis_state([pk], [1000], [pk], bytes(32))
    rules = StakeRules(lambda: ledger, ConsensusConfig())
    transport = FakeTransport()
    gossip = TxGossip(cast(Transport, transport), Mempool(lambda: state, stakes=rules))
    peer = FakeConnection()
    receive(gossip, (peer, sign_delegate(KEY.secret_key, 1, 0, 10, 1).to_bytes()))
    assert len(gossip.mempool) == 1 and peer.close_reason is None and transport.sent == []
    mine = sign_delegate(TARGET.secret_key, 2, 0, 10, 1).to_bytes()
    assert gossip.submit_tx(mine).accepted and transport.sent == [GOSSIP_TX + mine]
