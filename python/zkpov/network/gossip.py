"""Flood gossip on one channel: dedup by message hash, relay only what the application accepts.

``Gossip(transport, ChannelId.TRANSACTIONS, on_message)`` registers itself for the channel.
``on_message(body, sender_pk)`` decodes and checks a message the first time it is seen and
returns True to relay it to every other peer, False to drop it; it raises ``DecodeError`` for a
malformed message, which disconnects the sender. Seen hashes are kept in a bounded LRU, so a
message is delivered and relayed at most once per node while it is remembered.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from zkpov.network.channels import ChannelId
from zkpov.network.codec import Frame
from zkpov.network.connection import Connection
from zkpov.network.transport import Transport

__all__ = ["Gossip", "MessageHandler", "compute_message_id"]

MessageHandler = Callable[[bytes, bytes | None], Awaitable[bool]]


def compute_message_id(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


class Gossip:
    def __init__(
        self, transport: Transport, channel: ChannelId, on_message: MessageHandler,
        seen_capacity: int = 1 << 16,
    ) -> None:  # fmt: skip
        self.transport, self.channel = transport, channel
        self._on_message = on_message
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._capacity = seen_capacity
        self.duplicates = 0
        transport.register(channel, self.on_frame)

    def publish(self, body: bytes) -> int:
        """Send our own message to every peer; returns how many peers took it (0 if seen)."""
        if not self.is_new(compute_message_id(body)):
            return 0
        return self.transport.broadcast(self.channel, body)

    def is_new(self, message_id: bytes) -> bool:
        """Record ``message_id``; False if it was already seen."""
        if message_id in self._seen:
            self._seen.move_to_end(message_id)
            return False
        self._seen[message_id] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True

    async def on_frame(self, conn: Connection, frame: Frame) -> None:
        if not self.is_new(compute_message_id(frame.body)):
            self.duplicates += 1
            return
        if await self._on_message(frame.body, conn.validator_pk):
            self.transport.broadcast(self.channel, frame.body, exclude=conn.validator_pk)
