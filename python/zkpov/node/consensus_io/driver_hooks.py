"""What the consensus driver sends through, reports to and counts: the :class:`Outbox` (the
network), the :class:`DriverHooks` callbacks and the :class:`DriverStats` counters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from zkpov.consensus.actions import Commit, RecordEvidence
from zkpov.spec.messages import BlockRequest, BlockResponse, Message, Proposal
from zkpov.types import ValidatorIndex

__all__ = ["DriverHooks", "DriverStats", "Outbox"]


class Outbox(Protocol):
    """Where the driver sends encoded consensus messages (the network; tests use a loopback hub).
    ``bulk`` marks block-sync traffic, which must never delay votes (its own channel)."""

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None: ...

    def broadcast(self, payload: bytes) -> None: ...


def _ignore(_: object) -> None:
    return None


def _allow(_: object) -> bool:
    return True


def _ignore_rejection(sender: ValidatorIndex, err: Exception) -> None:
    return None


@dataclass
class DriverHooks:
    """Callbacks for what leaves consensus: final blocks, evidence, and a last check on every
    outgoing message (``before_send``: slashing protection; False drops the message); input
    the driver or the core rejected (``on_rejected``: peer penalties) and core restarts."""

    on_commit: Callable[[Commit], None] = _ignore
    on_evidence: Callable[[RecordEvidence], None] = _ignore
    before_send: Callable[[Message], bool] = _allow
    after_input: Callable[[], None] = lambda: None
    on_rejected: Callable[[ValidatorIndex, Exception], None] = _ignore_rejection
    on_core_restart: Callable[[Exception], None] = _ignore
    on_proposal: Callable[[Proposal], None] = _ignore  # one it accepted, or its own
    # committed blocks for a request no core could answer (a peer catching up across epochs)
    serve_blocks: Callable[[BlockRequest], BlockResponse | None] = lambda _: None


@dataclass
class DriverStats:
    received: int = 0
    rejected: int = 0
    dropped: int = 0
    sent: int = 0
    persisted: int = 0
    refused: int = 0
    self_delivered: int = 0
    restarts: int = 0
    last_error: str = ""
