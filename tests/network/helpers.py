"""Helpers for network tests: identities, allowlists and transports on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from zkpov.crypto import bls
from zkpov.network.channels import ChannelId
from zkpov.network.codec import Frame
from zkpov.network.connection import Connection, TransportConfig
from zkpov.network.noise import NodeIdentity, NodeKey
from zkpov.network.transport import Transport

CHAIN_ID = b"zkpov-test"
FAST = TransportConfig(
    handshake_timeout=2.0, read_timeout=1.0, idle_timeout=5.0, frame_timeout=2.0,
    ping_interval=1.0, backoff_base=0.05, backoff_cap=0.4,
)  # fmt: skip


def make_identity(seed: int, chain_id: bytes = CHAIN_ID) -> NodeIdentity:
    sk = bls.keygen(seed.to_bytes(4, "big") * 8)
    return NodeIdentity(chain_id, NodeKey.generate(), sk)


@dataclass
class Inbox:
    """Records frames per channel and wakes waiters."""

    frames: list[tuple[bytes, Frame]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_frame(self, conn: Connection, frame: Frame) -> None:
        self.frames.append((conn.validator_pk, frame))
        self.changed.set()

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:
        async def loop() -> None:
            while len(self.frames) < count:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(loop(), timeout)


@dataclass
class Node:
    identity: NodeIdentity
    transport: Transport
    inbox: Inbox
    address: tuple[str, int]


async def start_node(
    identity: NodeIdentity, allowed: set[bytes], config: TransportConfig = FAST
) -> Node:
    transport = Transport(identity, policy=allowed.__contains__, config=config)
    inbox = Inbox()
    for channel in (ChannelId.CONSENSUS, ChannelId.TRANSACTIONS, ChannelId.BLOCK_SYNC):
        transport.register(channel, inbox.on_frame)
    address = await transport.start("127.0.0.1", 0)
    return Node(identity, transport, inbox, address)


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async def loop() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(loop(), timeout)


def run(coroutine: Awaitable[None]) -> None:
    asyncio.run(asyncio.wait_for(coroutine, 30))  # type: ignore[arg-type]
