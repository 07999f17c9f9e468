"""What the sans-I/O core asks its driver to do. Drivers execute actions in list order.

``PersistSafety`` always precedes the ``SendTo``/``Broadcast`` carrying the vote or timeout it
covers; a driver must finish the write (fsync or commit) before it sends anything after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.spec.messages import Block, Message, QuorumCert
from zkpov.spec.safety_data import SafetyData
from zkpov.types import BlockId, Round, ValidatorIndex

__all__ = [
    "Action",
    "Broadcast",
    "Commit",
    "PersistSafety",
    "RecordEvidence",
    "ScheduleTimeout",
    "SendTo",
]


@dataclass(frozen=True)
class Broadcast:
    """Send ``message`` to every validator (including, if it likes, the sender)."""

    message: Message


@dataclass(frozen=True)
class SendTo:
    """Send ``message`` to validator ``to``."""

    to: ValidatorIndex
    message: Message


@dataclass(frozen=True)
class ScheduleTimeout:
    """Call ``on_tick(now)`` at or after ``deadline`` (seconds, the driver's clock)."""

    round: Round
    deadline: float


@dataclass(frozen=True)
class PersistSafety:
    """Write ``data`` durably before executing any later action."""

    data: SafetyData


@dataclass(frozen=True)
class Commit:
    """Blocks newly final, oldest first, with the QC that proves the last one committed."""

    blocks: tuple[Block, ...]
    commit_qc: QuorumCert

    @property
    def block_ids(self) -> tuple[BlockId, ...]:
        return tuple(block.id for block in self.blocks)


@dataclass(frozen=True)
class RecordEvidence:
    """Signed proof of misbehaviour by ``offender`` (kind: double_proposal, double_vote,
    invalid_block); the encoded evidence is in ``evidence``."""

    kind: str
    offender: ValidatorIndex
    evidence: bytes


Action = Broadcast | SendTo | ScheduleTimeout | PersistSafety | Commit | RecordEvidence
