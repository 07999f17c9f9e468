"""Drive the sans-I/O consensus core with real time on an asyncio loop.

The driver owns the core's inbox and timers and carries out its actions in order. The one rule
that matters for safety: a ``PersistSafety`` action is written durably (the store fsyncs or
commits) before any later action runs, so no vote or timeout leaves the process before the data
that forbids signing a conflicting one is on disk.

Bad input never stops the driver: bytes that do not decode and messages the core rejects are
counted and dropped. A full inbox drops new input (counted) instead of growing without bound.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from zkpov.consensus.actions import (
    Action,
    Broadcast,
    Commit,
    PersistSafety,
    RecordEvidence,
    ScheduleTimeout,
    SendTo,
)
from zkpov.consensus.codec import decode_message, encode_message
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.dispatch import dispatch_message
from zkpov.consensus.messages import (
    BlockRequest,
    BlockResponse,
    Message,
)
from zkpov.errors import DecodeError, ZkpovError
from zkpov.storage.interface import SafetyStore
from zkpov.types import ValidatorIndex

__all__ = ["ConsensusDriver", "DriverHooks", "DriverStats", "Outbox"]

log = logging.getLogger(__name__)

INBOX_CAPACITY = 10_000
IDLE_TICK_SECONDS = 0.5


class Outbox(Protocol):
    """Where the driver sends encoded consensus messages (the network, or a loopback hub).
    ``bulk`` marks block-sync traffic, which must never delay votes (its own channel)."""

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None: ...

    def broadcast(self, payload: bytes) -> None: ...


def _ignore(_: object) -> None:
    return None


def _allow(_: object) -> bool:
    return True


@dataclass
class DriverHooks:
    """Callbacks for what leaves consensus: final blocks, evidence, and a last check on every
    outgoing message (``before_send``: slashing protection; False drops the message)."""

    on_commit: Callable[[Commit], None] = _ignore
    on_evidence: Callable[[RecordEvidence], None] = _ignore
    before_send: Callable[[Message], bool] = _allow
    after_input: Callable[[], None] = lambda: None


@dataclass
class DriverStats:
    received: int = 0
    rejected: int = 0
    dropped: int = 0
    sent: int = 0
    persisted: int = 0
    refused: int = 0
    last_error: str = ""


@dataclass
class ConsensusDriver:
    core: ConsensusCore
    outbox: Outbox
    safety_store: SafetyStore
    hooks: DriverHooks = field(default_factory=DriverHooks)
    clock: Callable[[], float] = time.monotonic
    stats: DriverStats = field(default_factory=DriverStats)

    def __post_init__(self) -> None:
        self._inbox: asyncio.Queue[tuple[ValidatorIndex, bytes]] = asyncio.Queue(INBOX_CAPACITY)
        self._deadlines: list[float] = []

    def deliver(self, sender: ValidatorIndex, payload: bytes) -> None:
        """Queue bytes from ``sender`` (a validator index the transport authenticated)."""
        try:
            self._inbox.put_nowait((sender, payload))
        except asyncio.QueueFull:
            self.stats.dropped += 1

    async def run(self, stop: asyncio.Event) -> None:
        """Start the core and process input and timers until ``stop`` is set."""
        self.execute(self.core.start(self.clock()))
        while not stop.is_set():
            item = await self._next_input(stop)
            if item is None:
                self.execute(self.core.on_tick(self.clock()))
            else:
                self.execute(self.on_input(*item))
            self.hooks.after_input()

    async def _next_input(self, stop: asyncio.Event) -> tuple[ValidatorIndex, bytes] | None:
        wait = self._seconds_to_deadline()
        try:
            return await asyncio.wait_for(self._inbox.get(), timeout=wait)
        except TimeoutError:
            return None

    def _seconds_to_deadline(self) -> float:
        """0 when a deadline has passed (tick now), else the wait until the next one."""
        now = self.clock()
        if self._deadlines and self._deadlines[0] <= now:
            while self._deadlines and self._deadlines[0] <= now:
                heapq.heappop(self._deadlines)
            return 0.0
        if not self._deadlines:
            return IDLE_TICK_SECONDS
        return min(self._deadlines[0] - now, IDLE_TICK_SECONDS)

    def on_input(self, sender: ValidatorIndex, payload: bytes) -> list[Action]:
        self.stats.received += 1
        try:
            return dispatch_message(self.core, decode_message(payload), sender, self.clock())
        except (ZkpovError, DecodeError) as err:
            self.stats.rejected += 1
            self.stats.last_error = f"{type(err).__name__}: {err}"
            log.debug("rejected input from validator %d: %s", sender, err)
            return []

    def execute(self, actions: list[Action]) -> None:
        """Carry out actions in order; ``PersistSafety`` completes before anything after it."""
        for action in actions:
            self._execute_one(action)

    def _execute_one(self, action: Action) -> None:
        if isinstance(action, PersistSafety):
            self.safety_store.save(action.data)
            self.stats.persisted += 1
        elif isinstance(action, SendTo | Broadcast):
            self._send(action)
        elif isinstance(action, ScheduleTimeout):
            heapq.heappush(self._deadlines, action.deadline)
        elif isinstance(action, Commit):
            self.hooks.on_commit(action)
        elif isinstance(action, RecordEvidence):
            self.hooks.on_evidence(action)

    def _send(self, action: SendTo | Broadcast) -> None:
        if not self.hooks.before_send(action.message):
            self.stats.refused += 1
            return
        payload = encode_message(action.message)
        if isinstance(action, SendTo):
            bulk = isinstance(action.message, BlockRequest | BlockResponse)
            self.outbox.send_to(action.to, payload, bulk)
        else:
            self.outbox.broadcast(payload)
        self.stats.sent += 1
