"""Transfers and proof announcements between nodes, on the TRANSACTIONS channel.

A node sends each transfer its clients submit that its mempool admits, and each proof
announcement it makes, to every connected peer itself; nothing received is relayed, and nothing
refused is sent. A frame of an unknown kind, or one whose body does not decode (a transfer the
mempool refuses as ``malformed`` included), raises ``DecodeError``, which disconnects the
sender; other refusals of a peer's transfer are only counted (an honest peer's transfer can
turn stale in flight).
"""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.errors import DecodeError
from zkpov.network.channels import ChannelId
from zkpov.network.codec import Frame
from zkpov.network.connection import Connection
from zkpov.network.transport import Transport
from zkpov.node.proving.prover import ProofTracker
from zkpov.node.state.mempool import AddResult, Mempool
from zkpov.spec.codec.payload import decode_proof_announcement, encode_proof_announcement
from zkpov.spec.payload import ProofAnnouncement

__all__ = ["GOSSIP_PROOF", "GOSSIP_TX", "TxGossip"]

GOSSIP_TX = b"\x01"
GOSSIP_PROOF = b"\x02"


@dataclass
class TxGossip:
    transport: Transport
    mempool: Mempool
    prover: ProofTracker | None = None  # set once built: it publishes through this gossip

    def register(self) -> None:
        self.transport.register(ChannelId.TRANSACTIONS, self.on_frame)

    def submit_tx(self, tx: bytes) -> AddResult:
        """Admits a transfer from a client and, if admitted, sends it to peers."""
        result = self.mempool.add(tx)
        if result.accepted:
            self.transport.broadcast(ChannelId.TRANSACTIONS, GOSSIP_TX + tx)
        return result

    def publish_proof(self, announcement: ProofAnnouncement) -> None:
        self.transport.broadcast(
            ChannelId.TRANSACTIONS, GOSSIP_PROOF + encode_proof_announcement(announcement)
        )

    async def on_frame(self, conn: Connection, frame: Frame) -> None:
        """A transfer or a proof announcement from a peer."""
        kind, body = frame.body[:1], frame.body[1:]
        if kind == GOSSIP_TX:
            result = self.mempool.add(body)
            if result.reason == "malformed":
                raise DecodeError(f"a malformed transfer: {result.message}")
        elif kind == GOSSIP_PROOF and self.prover is not None:
            self.prover.on_announcement(decode_proof_announcement(body))
        elif kind != GOSSIP_PROOF:
            raise DecodeError("unknown gossip message kind")
