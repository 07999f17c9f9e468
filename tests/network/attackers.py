"""Hostile clients on loopback, each from a loopback address of its own (127.0.0.0/8), so that
the node under attack sees the attacker as another host, as it would on a real network."""

from __future__ import annotations

import asyncio
import contextlib
import os

import msgpack

from zkpov.errors import ZkpovError
from zkpov.network.noise import NodeIdentity, handshake

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def open_half_handshakes(address: tuple[str, int], count: int, source: str) -> list[Stream]:
    """``count`` connections from ``source`` that never finish the handshake: half send nothing,
    half a length prefix and the first bytes of a Noise message."""
    held = []
    for i in range(count):
        with contextlib.suppress(OSError):
            stream = await asyncio.open_connection(*address, local_addr=(source, 0))
            if i % 2:
                stream[1].write(b"\x00\x20" + os.urandom(5))
            held.append(stream)
    return held


def close_all(held: list[Stream]) -> None:
    for _, writer in held:
        writer.close()


async def is_hung_up(reader: asyncio.StreamReader) -> bool:
    with contextlib.suppress(ConnectionError):
        return await reader.read() == b""
    return True


def forge(identity: NodeIdentity, claimed_pk: bytes) -> NodeIdentity:
    """``identity`` sending a hello that claims ``claimed_pk`` with its own signature."""
    _, _, signature = msgpack.unpackb(identity.hello)
    object.__setattr__(identity, "hello", msgpack.packb([1, claimed_pk, signature]))
    return identity


async def send_forged_hello(address: tuple[str, int], forged: NodeIdentity, source: str) -> None:
    """One full Noise handshake with a forged hello (the node refuses it after its checks)."""
    with contextlib.suppress(ZkpovError, OSError, TimeoutError):
        reader, writer = await asyncio.open_connection(*address, local_addr=(source, 0))
        try:
            await handshake(reader, writer, forged, lambda _: True, initiator=True, timeout=2)
            await asyncio.wait_for(is_hung_up(reader), 2)
        finally:
            writer.close()
