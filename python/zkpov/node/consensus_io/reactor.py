"""The consensus reactor: the glue between the transport's consensus frames and the driver.

:func:`build_transport` builds the transport, which admits the genesis validators only. Outbound,
:class:`NetworkOutbox` sends what the driver says to validators by index; inbound,
:func:`route_consensus_frames` hands each consensus and block-sync frame to the driver tagged
with its authenticated sender; :func:`make_ban` lets peer penalties ban a validator by index.
Transfers and proof announcements travel apart, on their own channel (``tx_gossip``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zkpov.network.channels import ChannelId
from zkpov.network.codec import Frame
from zkpov.network.connection import Connection, TransportConfig
from zkpov.network.noise import NodeIdentity, NodeKey
from zkpov.network.transport import Transport
from zkpov.node.consensus_io.driver import ConsensusDriver
from zkpov.types import ValidatorIndex

__all__ = ["NetworkOutbox", "build_transport", "make_ban", "route_consensus_frames"]

RECONNECT_BACKOFF_CAP = 5.0  # seconds: a restarted validator is redialled quickly


def build_transport(
    chain_id: str, node_secret: bytes, validator_secret: bytes, pubkeys: Sequence[bytes]
) -> Transport:
    """Noise with this node's key and a hello signed by its validator key; only the validators
    in ``pubkeys`` (the registry, read at each handshake: it grows as joins commit) are
    admitted, and always (``max_peers`` never refuses them)."""
    identity = NodeIdentity(chain_id.encode(), NodeKey(node_secret), validator_secret)
    config = TransportConfig(backoff_cap=RECONNECT_BACKOFF_CAP)
    return Transport(identity, pubkeys.__contains__, config, reserved=pubkeys.__contains__)


@dataclass
class NetworkOutbox:
    """Sends encoded consensus messages to validators by index over the transport; block-sync
    requests and responses go on their own channel so that they never hold back a vote."""

    transport: Transport
    pubkeys: Sequence[bytes]

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None:
        channel = ChannelId.BLOCK_SYNC if bulk else ChannelId.CONSENSUS
        if 0 <= to < len(self.pubkeys):
            self.transport.send(self.pubkeys[to], channel, payload)

    def broadcast(self, payload: bytes) -> None:
        self.transport.broadcast(ChannelId.CONSENSUS, payload)


def route_consensus_frames(
    transport: Transport, driver: ConsensusDriver, pubkeys: Sequence[bytes]
) -> None:
    """Feeds consensus and block-sync frames to the driver, tagged with the sender's
    authenticated validator index. Nothing is relayed: each frame goes to this node's driver
    only. Frames that a closed (e.g. just banned) connection had still buffered are dropped."""

    async def on_frame(conn: Connection, frame: Frame) -> None:
        key = conn.validator_pk
        if key in pubkeys and conn.is_open():
            driver.deliver(ValidatorIndex(pubkeys.index(key)), frame.body)

    transport.register(ChannelId.CONSENSUS, on_frame)
    transport.register(ChannelId.BLOCK_SYNC, on_frame)


def make_ban(
    transport: Transport, pubkeys: Sequence[bytes]
) -> Callable[[ValidatorIndex, float], None]:
    """Bans a validator, by index, on the transport (peer penalties)."""

    def ban(index: ValidatorIndex, seconds: float) -> None:
        if 0 <= index < len(pubkeys):
            transport.ban(pubkeys[index], seconds)

    return ban
