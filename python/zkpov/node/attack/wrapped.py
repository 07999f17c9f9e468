"""The base of the attack outboxes: the node's outbox (wrapped after the slashing guard) with
this validator's index and key; unicasts pass through, and ``sent`` counts the attack messages
sent."""

from __future__ import annotations

from dataclasses import dataclass, field

from zkpov.node.consensus_io.driver import Outbox
from zkpov.spec.signing import SignatureScheme
from zkpov.types import ValidatorIndex

__all__ = ["AttackOutbox"]


@dataclass
class AttackOutbox:
    """What the equivocating and the forging outbox share; each adds its own ``broadcast``."""

    inner: Outbox
    index: ValidatorIndex
    sk: bytes
    scheme: SignatureScheme
    sent: int = field(default=0, init=False)

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None:
        self.inner.send_to(to, payload, bulk)
