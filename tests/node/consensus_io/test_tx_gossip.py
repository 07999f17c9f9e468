"""Transfer gossip: only admitted transfers are sent to peers; a peer's malformed transfer
disconnects it (``DecodeError``), its other refused ones are only counted."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from zkpov.chain.state import AccountState, sign_transfer
from zkpov.crypto import schnorr
from zkpov.errors import DecodeError
from zkpov.network.channels import ChannelId
from zkpov.network.codec import Frame
from zkpov.network.connection import Connection
from zkpov.network.transport import Transport
from zkpov.node.consensus_io.tx_gossip import GOSSIP_TX, TxGossip
from zkpov.node.state.mempool import Mempool

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


def on_frame(gossip: TxGossip, body: bytes) -> None:
    frame = Frame(ChannelId.TRANSACTIONS, 0, GOSSIP_TX + body)
    asyncio.run(gossip.on_frame(cast(Connection, cast(Any, None)), frame))


def test_only_admitted_transfers_are_sent_to_peers() -> None:
    gossip, transport, rejected = make_gossip()
    assert gossip.submit_tx(transfer(1)).accepted
    assert not gossip.submit_tx(transfer(3)).accepted  # a nonce gap
    assert transport.sent == [GOSSIP_TX + transfer(1)] and rejected == ["nonce_gap"]


def test_a_peers_malformed_transfer_disconnects_and_a_stale_one_does_not() -> None:
    gossip, transport, rejected = make_gossip()
    with pytest.raises(DecodeError, match="malformed"):
        on_frame(gossip, b"\x00" * 10)
    on_frame(gossip, transfer(2))  # a gap here: may be stale or early, so only counted
    on_frame(gossip, transfer(1))
    assert len(gossip.mempool) == 1 and transport.sent == []  # nothing received is relayed
    assert rejected == ["malformed", "nonce_gap"]
