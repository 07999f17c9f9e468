"""Consensus over the node transport: the driver's outbox, inbound routing, slashing guard."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from zkpov.network.channels import ChannelId
from zkpov.network.codec import Frame
from zkpov.network.connection import Connection
from zkpov.network.transport import Transport
from zkpov.node.consensus_io.driver import ConsensusDriver
from zkpov.spec.messages import Message, Proposal, Timeout, Vote
from zkpov.storage.slashing_db import SlashingDB, SlashingProtectionError
from zkpov.types import ValidatorIndex

__all__ = ["NetworkOutbox", "SlashingGuard", "make_ban", "route_consensus_frames"]

log = logging.getLogger(__name__)


@dataclass
class NetworkOutbox:
    """Sends encoded consensus messages to validators by index over the transport; block-sync
    requests and responses go on their own channel so that they never hold back a vote."""

    transport: Transport
    pubkeys: tuple[bytes, ...]

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None:
        channel = ChannelId.BLOCK_SYNC if bulk else ChannelId.CONSENSUS
        if 0 <= to < len(self.pubkeys):
            self.transport.send(self.pubkeys[to], channel, payload)

    def broadcast(self, payload: bytes) -> None:
        self.transport.broadcast(ChannelId.CONSENSUS, payload)


def route_consensus_frames(
    transport: Transport, driver: ConsensusDriver, pubkeys: tuple[bytes, ...]
) -> None:
    """Feeds consensus and block-sync frames to the driver, tagged with the sender's
    authenticated validator index. Nothing is relayed: each frame goes to this node's driver
    only. Frames that a closed (e.g. just banned) connection had still buffered are dropped."""
    index_of = {pk: ValidatorIndex(i) for i, pk in enumerate(pubkeys)}

    async def on_frame(conn: Connection, frame: Frame) -> None:
        sender = index_of.get(conn.validator_pk)
        if sender is not None and conn.is_open():
            driver.deliver(sender, frame.body)

    transport.register(ChannelId.CONSENSUS, on_frame)
    transport.register(ChannelId.BLOCK_SYNC, on_frame)


def make_ban(
    transport: Transport, pubkeys: tuple[bytes, ...]
) -> Callable[[ValidatorIndex, float], None]:
    """Bans a validator, by index, on the transport (peer penalties)."""

    def ban(index: ValidatorIndex, seconds: float) -> None:
        if 0 <= index < len(pubkeys):
            transport.ban(pubkeys[index], seconds)

    return ban


@dataclass
class SlashingGuard:
    """Records every own vote, timeout and proposal in the slashing DB before it is sent, and
    refuses (drops) one that conflicts with a signature made earlier, across restarts too."""

    db: SlashingDB
    index: ValidatorIndex
    pubkey: bytes

    def __call__(self, message: Message) -> bool:
        try:
            self._record(message)
        except SlashingProtectionError as err:
            log.error("slashing protection refused an outgoing message: %s", err)
            return False
        return True

    def _record(self, message: Message) -> None:
        if isinstance(message, Vote) and message.voter == self.index:
            data = message.vote_data
            self.db.check_and_record_vote(self.pubkey, data.epoch, data.round, data.signing_root)
        elif isinstance(message, Timeout) and message.signer == self.index:
            self.db.check_and_record_timeout(
                self.pubkey, message.epoch, message.round, message.signing_root
            )
        elif isinstance(message, Proposal) and message.block.proposer == self.index:
            header = message.block.header
            self.db.check_and_record_proposal(
                self.pubkey, header.epoch, header.round, header.signing_root
            )
