"""Which offences the chain has already included: a bounded index, keyed by offence.

An offence is ``(round, epoch, offender, kind)``, not the evidence's bytes: the same double vote
with its two votes swapped, or a double proposal built from a third header, is another encoding
of one offence and must not be included twice. Evidence older than
``MAX_EVIDENCE_AGE_ROUNDS`` rounds before the block that carries it is refused, so the index
only needs offences of the last ``MAX_EVIDENCE_AGE_ROUNDS`` committed rounds: at most that many
committed blocks (one per round) of ``MAX_EVIDENCE_PER_PROPOSAL`` items each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from zkpov.errors import DecodeError
from zkpov.spec.evidence import (
    DoubleProposal,
    DoubleVote,
    Evidence,
    get_evidence_kind,
    get_offender,
)
from zkpov.types import Epoch, Round, ValidatorIndex

__all__ = [
    "MAX_EVIDENCE_AGE_ROUNDS",
    "EvidenceIndex",
    "Offence",
    "decode_offence",
    "encode_offence",
    "get_offence",
    "is_too_old",
]

MAX_EVIDENCE_AGE_ROUNDS = 1024
_KINDS = ("double_proposal", "double_vote", "invalid_block")
OFFENCE_BYTES = 8 + 8 + 4 + 1


@dataclass(frozen=True, order=True)
class Offence:
    round: Round
    epoch: Epoch
    offender: ValidatorIndex
    kind: str


def get_offence(evidence: Evidence) -> Offence:
    """The offence ``evidence`` proves (what inclusion is deduplicated on)."""
    if isinstance(evidence, DoubleVote):
        round_, epoch = evidence.first.round, evidence.first.vote_data.epoch
    elif isinstance(evidence, DoubleProposal):
        round_, epoch = evidence.first.header.round, evidence.first.header.epoch
    else:
        round_, epoch = evidence.block.header.round, evidence.block.header.epoch
    return Offence(round_, epoch, get_offender(evidence), get_evidence_kind(evidence))


def encode_offence(offence: Offence) -> bytes:
    """21 bytes, round first (so stored keys sort by age)."""
    head = offence.round.to_bytes(8, "big") + offence.epoch.to_bytes(8, "big")
    return head + offence.offender.to_bytes(4, "big") + bytes([_KINDS.index(offence.kind)])


def decode_offence(data: bytes) -> Offence:
    """The inverse of :func:`encode_offence`; ``DecodeError`` on anything else."""
    if len(data) != OFFENCE_BYTES or data[20] >= len(_KINDS):
        raise DecodeError(f"an offence key has {OFFENCE_BYTES} bytes and a known kind")
    return Offence(
        Round(int.from_bytes(data[:8], "big")), Epoch(int.from_bytes(data[8:16], "big")),
        ValidatorIndex(int.from_bytes(data[16:20], "big")), _KINDS[data[20]],
    )  # fmt: skip


def is_too_old(offence: Offence, block_round: int) -> bool:
    """Evidence this old (or not older than its block) cannot be included."""
    return not block_round - MAX_EVIDENCE_AGE_ROUNDS < offence.round < block_round


class EvidenceIndex:
    """Offences included by committed blocks in the last ``MAX_EVIDENCE_AGE_ROUNDS`` rounds."""

    def __init__(self, offences: Iterable[Offence] = ()) -> None:
        self.offences: set[Offence] = set(offences)

    def __contains__(self, offence: Offence) -> bool:
        return offence in self.offences

    def __len__(self) -> int:
        return len(self.offences)

    def add(self, offences: Iterable[Offence], committed_round: int) -> list[Offence]:
        """Adds a committed block's offences; returns those now too old to matter (dropped)."""
        self.offences.update(offences)
        stale = [o for o in self.offences if o.round <= committed_round - MAX_EVIDENCE_AGE_ROUNDS]
        self.offences.difference_update(stale)
        return stale
