"""Channels of the node-to-node protocol (as in CometBFT): ids, frame caps, priority, rate limits.

Lower ``priority`` numbers are sent first: a queued consensus vote goes out before the next
chunk of a block-sync response, whatever was queued first. ``max_body_bytes`` is checked
against a frame's length prefix before any of its body is buffered. ``recv_frames_per_s`` /
``recv_burst`` is a per-peer token bucket on inbound frames: frames over it are dropped and
counted (the peer's byte rate is throttled separately, see ``TransportConfig``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType

from zkpov.constants import MAX_MESSAGE_BYTES

__all__ = ["DEFAULT_CHANNELS", "ChannelId", "ChannelSpec"]


class ChannelId(IntEnum):
    CONTROL = 0x00  # keepalives; handled by the transport itself
    CONSENSUS = 0x20  # proposals, votes, timeouts
    TRANSACTIONS = 0x30  # mempool gossip
    BLOCK_SYNC = 0x40  # request/response


@dataclass(frozen=True)
class ChannelSpec:
    channel: ChannelId
    max_body_bytes: int
    priority: int
    send_queue_frames: int
    recv_frames_per_s: float
    recv_burst: int


DEFAULT_CHANNELS: Mapping[ChannelId, ChannelSpec] = MappingProxyType(
    {
        ChannelId.CONTROL: ChannelSpec(ChannelId.CONTROL, 64, 0, 16, 50.0, 100),
        ChannelId.CONSENSUS: ChannelSpec(
            ChannelId.CONSENSUS, MAX_MESSAGE_BYTES, 1, 4096, 2000.0, 4000
        ),
        ChannelId.TRANSACTIONS: ChannelSpec(
            ChannelId.TRANSACTIONS, 64 * 1024, 3, 2048, 500.0, 1000
        ),
        ChannelId.BLOCK_SYNC: ChannelSpec(
            ChannelId.BLOCK_SYNC, MAX_MESSAGE_BYTES, 2, 256, 100.0, 200
        ),
    }
)
