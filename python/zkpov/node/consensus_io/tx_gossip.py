"""Transfers and proof announcements between nodes, on the TRANSACTIONS channel.

A node sends each transfer its clients submit that its mempool admits, and each proof
announcement it makes, to every connected peer itself; nothing received is relayed, and nothing
refused is sent. A frame of an unknown kind, or a proof announcement that does not decode,
raises ``DecodeError``, which disconnects the sender. Transfers from peers wait for the end of
the event-loop turn (no timer; at most ``MAX_QUEUED_TXS``), then go to the mempool together
(``Mempool.add_many``: one batched signature check); a peer whose transfer the mempool refuses
as ``malformed`` is disconnected then. A malformed transfer or a bad signature is also an
offence of the peer (``on_offence``: the peer penalties, which ban a peer that keeps offending),
since honest nodes gossip only what their mempool admitted; other refusals are only counted (an
honest peer's transfer can turn stale in flight).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from zkpov.errors import DecodeError
from zkpov.network.channels import ChannelId
from zkpov.network.codec import Frame
from zkpov.network.connection import Connection
from zkpov.network.transport import Transport
from zkpov.node.consensus_io.input_guard import ForgedTransfer
from zkpov.node.proving.prover import ProofTracker
from zkpov.node.state.mempool import AddResult, Mempool
from zkpov.spec.codec.payload import decode_proof_announcement, encode_proof_announcement
from zkpov.spec.payload import ProofAnnouncement

__all__ = ["GOSSIP_PROOF", "GOSSIP_TX", "MAX_QUEUED_TXS", "TxGossip"]

log = logging.getLogger(__name__)

GOSSIP_TX = b"\x01"
GOSSIP_PROOF = b"\x02"
MAX_QUEUED_TXS = 1024  # peers' transfers held for one batch; more are admitted at once


@dataclass
class TxGossip:
    transport: Transport
    mempool: Mempool
    prover: ProofTracker | None = None  # set once built: it publishes through this gossip
    # (the peer's validator key, what it did): set by the runtime to the peer penalties
    on_offence: Callable[[bytes, Exception], None] | None = None
    _queue: list[tuple[Connection, bytes]] = field(default_factory=list)

    def register(self) -> None:
        self.transport.register(ChannelId.TRANSACTIONS, self.on_frame)

    def submit_tx(self, tx: bytes) -> AddResult:
        """Admits a transfer from a client and, if admitted, sends it to peers."""
        result = self.mempool.add(tx)
        self._send_admitted(tx, result)
        return result

    def admit_from_clients(self, txs: list[bytes]) -> list[AddResult]:
        """Admits clients' transfers together (one batched signature check), each with the
        answer ``submit_tx`` one at a time would give, and sends the admitted ones to peers."""
        results = self.mempool.add_many(txs)
        for tx, result in zip(txs, results, strict=True):
            self._send_admitted(tx, result)
        return results

    def _send_admitted(self, tx: bytes, result: AddResult) -> None:
        if result.accepted:
            self.transport.broadcast(ChannelId.TRANSACTIONS, GOSSIP_TX + tx)

    def publish_proof(self, announcement: ProofAnnouncement) -> None:
        self.transport.broadcast(
            ChannelId.TRANSACTIONS, GOSSIP_PROOF + encode_proof_announcement(announcement)
        )

    async def on_frame(self, conn: Connection, frame: Frame) -> None:
        """A transfer or a proof announcement from a peer."""
        kind, body = frame.body[:1], frame.body[1:]
        if kind == GOSSIP_TX:
            self._enqueue(conn, body)
        elif kind == GOSSIP_PROOF and self.prover is not None:
            self.prover.on_announcement(decode_proof_announcement(body))
        elif kind != GOSSIP_PROOF:
            raise DecodeError("unknown gossip message kind")

    def _enqueue(self, conn: Connection, tx: bytes) -> None:
        if not self._queue:
            asyncio.get_running_loop().call_soon(self.flush)
        self._queue.append((conn, tx))
        if len(self._queue) >= MAX_QUEUED_TXS:
            self.flush()

    def flush(self) -> None:
        """Admits the queued peers' transfers together; disconnects the senders of malformed
        ones."""
        queued, self._queue = self._queue, []
        if not queued:  # flushed early, at the cap
            return
        results = self.mempool.add_many([tx for _, tx in queued])
        for (conn, _), result in zip(queued, results, strict=True):
            if result.reason == "malformed":
                log.info("peer %r sent a malformed transfer: %s", conn, result.message)
                conn.close(f"protocol violation: a malformed transfer: {result.message}")
                self._report(conn, DecodeError(f"a malformed transfer: {result.message}"))
            elif result.reason == "bad_signature":
                self._report(conn, ForgedTransfer(f"a transfer's signature: {result.message}"))

    def _report(self, conn: Connection, offence: Exception) -> None:
        if self.on_offence is not None:
            self.on_offence(conn.validator_pk, offence)
