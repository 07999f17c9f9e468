"""What one node says was committed and proven, as it happens: its ``/events`` stream.

``finalized`` events are stamped when they arrive (the stream is read by one task that does
nothing else), then a second task fetches each block's transfers with ``/block`` and hands
their hashes to the load, which answers when each was sent: that difference is the transfer's
commit latency, submit to final. ``proven_final`` events move the proven-final height; the
transfers in the blocks it passes are the proven ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from zkpov.client.aio import AsyncZkpovClient
from zkpov.errors import ZkpovError
from zkpov.node.rpc.client import RpcClient

__all__ = ["CommitWatch", "Committed", "TimedCount"]

EVENT_IDLE_SECONDS = 120.0
MAX_UNPROVEN_HEIGHTS = 65_536  # final heights whose transfer counts wait for a proof


@dataclass(frozen=True)
class TimedCount:
    at: float  # monotonic time the bench saw it
    count: int


@dataclass(frozen=True)
class Committed:
    at: float  # monotonic time its block's finalized event arrived
    latency: float  # seconds from the request that submitted it


@dataclass
class CommitWatch:
    """``on_tx(hash)`` returns the time a transfer was sent, or None if not ours."""

    url: str
    client: RpcClient
    on_tx: Callable[[bytes], float | None]
    finalized: list[TimedCount] = field(default_factory=list)  # transfers per final block
    proven: list[TimedCount] = field(default_factory=list)  # transfers newly proven-final
    committed: list[Committed] = field(default_factory=list)  # our transfers, with latency
    failure: str = ""  # why the stream ended early, if it did
    _txs_at: dict[int, int] = field(default_factory=dict)  # height -> transfers
    _proven_height: int = 0
    _blocks: asyncio.Queue[tuple[int, float]] = field(default_factory=asyncio.Queue)

    async def run(self) -> None:
        """Reads the stream and fetches blocks until cancelled."""
        fetcher = asyncio.ensure_future(self._fetch_blocks())
        try:
            async with AsyncZkpovClient(self.url, event_idle_timeout=EVENT_IDLE_SECONDS) as api:
                async for event in api.events(["finalized", "proven_final"]):
                    self._on_event(event.type, event.height, event.num_txs, time.monotonic())
        except (ZkpovError, aiohttp.ClientError, TimeoutError) as err:
            self.failure = f"{type(err).__name__}: {err}"
        finally:
            fetcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await fetcher

    def _on_event(self, kind: str, height: int, num_txs: int, now: float) -> None:
        if kind == "finalized":
            if len(self._txs_at) >= MAX_UNPROVEN_HEIGHTS:  # proofs off, or far behind
                del self._txs_at[next(iter(self._txs_at))]
            self._txs_at[height] = num_txs
            self.finalized.append(TimedCount(now, num_txs))
            if num_txs:
                self._blocks.put_nowait((height, now))
        elif kind == "proven_final" and height > self._proven_height:
            heights = range(self._proven_height + 1, height + 1)
            self.proven.append(TimedCount(now, sum(self._txs_at.pop(h, 0) for h in heights)))
            self._proven_height = height

    async def _fetch_blocks(self) -> None:
        while True:
            height, seen = await self._blocks.get()
            try:
                record = await self.client.get("/block", height=height)
            except (aiohttp.ClientError, TimeoutError) as err:
                self.failure = f"/block {height}: {type(err).__name__}: {err}"
                continue
            for tx in (record or {}).get("txs", []):
                sent = self.on_tx(hashlib.sha256(bytes.fromhex(tx)).digest())
                if sent is not None:
                    self.committed.append(Committed(seen, seen - sent))
