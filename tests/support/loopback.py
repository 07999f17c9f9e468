"""An in-process network for tests: several validators' drivers in one asyncio loop.

The driver and slashing-protection tests run a whole validator set in one process over it,
without sockets. The wire format is the same as over TCP: every message is encoded and decoded,
so nothing is shared between validators but bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from zkpov.node.consensus_io.driver import ConsensusDriver
from zkpov.types import ValidatorIndex

__all__ = ["LoopbackHub", "LoopbackOutbox", "run_until_committed"]


@dataclass
class LoopbackHub:
    drivers: dict[ValidatorIndex, ConsensusDriver] = field(default_factory=dict)
    disconnected: set[ValidatorIndex] = field(default_factory=set)

    def attach(self, index: ValidatorIndex, driver: ConsensusDriver) -> None:
        self.drivers[index] = driver

    def outbox_for(self, index: ValidatorIndex) -> LoopbackOutbox:
        return LoopbackOutbox(self, index)

    def deliver(self, sender: ValidatorIndex, to: ValidatorIndex, payload: bytes) -> None:
        if sender in self.disconnected or to in self.disconnected:
            return
        driver = self.drivers.get(to)
        if driver is not None:
            driver.deliver(sender, payload)


@dataclass
class LoopbackOutbox:
    hub: LoopbackHub
    index: ValidatorIndex

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None:
        self.hub.deliver(self.index, to, payload)

    def broadcast(self, payload: bytes) -> None:
        for to in list(self.hub.drivers):
            if to != self.index:
                self.hub.deliver(self.index, to, payload)


async def run_until_committed(
    drivers: list[ConsensusDriver],
    committed: Callable[[], list[int]],
    height: int,
    timeout: float = 60.0,
) -> None:
    """Runs every driver until each has committed ``height`` blocks (``committed()``: each
    validator's count so far), then stops them all; ``TimeoutError`` after ``timeout``."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(d.run(stop)) for d in drivers]
    try:
        async with asyncio.timeout(timeout):
            while min(committed()) < height:
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
