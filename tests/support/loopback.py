"""An in-process network for tests: several validators' drivers in one asyncio loop.

The driver and slashing-protection tests run a whole validator set in one process over it,
without sockets. The wire format is the same as over TCP: every message is encoded and decoded,
so nothing is shared between validators but bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkpov.node.consensus_io.driver import ConsensusDriver
from zkpov.types import ValidatorIndex

__all__ = ["LoopbackHub", "LoopbackOutbox"]


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
