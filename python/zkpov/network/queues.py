"""Send queues: one per channel, drained chunk by chunk in priority order (sans-I/O).

A packet is ``channel | chunk`` with up to ``MAX_CHUNK_BYTES`` of one channel's frame stream:
small frames share a packet, a large frame spans several, and between two packets a more urgent
channel goes first. Each channel's queue holds at most ``send_queue_frames`` frames.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from zkpov.network.channels import ChannelId, ChannelSpec
from zkpov.network.codec import MAX_CHUNK_BYTES

__all__ = ["SendQueues"]


class SendQueues:
    """Per-channel queues of encoded frames, drained chunk by chunk in priority order."""

    def __init__(self, channels: Mapping[ChannelId, ChannelSpec]) -> None:
        ordered = sorted(channels.values(), key=lambda spec: spec.priority)
        self._queues: dict[ChannelId, deque[bytes]] = {s.channel: deque() for s in ordered}
        self._caps = {s.channel: s.send_queue_frames for s in ordered}
        self._offsets: dict[ChannelId, int] = dict.fromkeys(self._queues, 0)

    def push(self, channel: ChannelId, data: bytes) -> bool:
        queue = self._queues[channel]
        if len(queue) >= self._caps[channel]:
            return False
        queue.append(data)
        return True

    def is_empty(self) -> bool:
        return not any(self._queues.values())

    def pop_packet(self) -> bytes | None:
        """The next packet ``channel | chunk`` from the most urgent channel, or None."""
        for channel, queue in self._queues.items():
            if queue:
                return self._take_chunk(channel, queue)
        return None

    def _take_chunk(self, channel: ChannelId, queue: deque[bytes]) -> bytes:
        """Up to MAX_CHUNK_BYTES of the channel's stream: small frames share one packet."""
        parts, room = [bytes([channel])], MAX_CHUNK_BYTES
        while queue and room > 0:
            start = self._offsets[channel]
            piece = queue[0][start : start + room]
            parts.append(piece)
            room -= len(piece)
            if start + len(piece) >= len(queue[0]):
                queue.popleft()
                self._offsets[channel] = 0
            else:
                self._offsets[channel] = start + len(piece)
        return b"".join(parts)
