"""Evidence a validator has seen: recorded once per offender and round, proposed in blocks until
committed.

Memory is bounded: double-proposal detection keeps the signed header (no payload) of the first
verified proposal per (round, proposer), for recent rounds only; pending evidence is capped.
"""

from __future__ import annotations

from collections import OrderedDict

from zkpov.consensus.actions import Action, RecordEvidence
from zkpov.consensus.evidence_index import MAX_EVIDENCE_AGE_ROUNDS
from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.evidence import (
    DoubleProposal,
    DoubleVote,
    Evidence,
    InvalidBlockProposal,
    SignedHeader,
    get_evidence_kind,
    get_offender,
    get_signed_header,
)
from zkpov.spec.messages import Block, Proposal
from zkpov.types import Round, ValidatorIndex

__all__ = ["MAX_PENDING_EVIDENCE", "EvidencePool", "get_evidence_round"]

MAX_EVIDENCE_PER_PROPOSAL = 16
MAX_PENDING_EVIDENCE = 256
MAX_SEEN_OFFENCES = 4096


def get_evidence_round(evidence: Evidence) -> Round:
    """The round of the offence."""
    if isinstance(evidence, DoubleProposal):
        return evidence.first.header.round
    if isinstance(evidence, DoubleVote):
        return evidence.first.round
    assert isinstance(evidence, InvalidBlockProposal)
    return evidence.block.header.round


class EvidencePool:
    """Pending evidence (encoded) and the first signed header per (round, proposer)."""

    def __init__(self) -> None:
        self.pending: dict[bytes, Round] = {}  # encoded evidence -> round of the offence
        self.seen: OrderedDict[tuple[str, ValidatorIndex, Round], None] = OrderedDict()
        self.first_headers: dict[tuple[Round, ValidatorIndex], SignedHeader] = {}

    def on_proposal(self, proposal: Proposal) -> list[Action]:
        """Record a double proposal if verified ``proposal`` conflicts with one already seen."""
        key = (proposal.block.round, proposal.block.proposer)
        first = self.first_headers.setdefault(key, get_signed_header(proposal))
        if first.header.id == proposal.block.id:
            return []
        return self.record(DoubleProposal(first, get_signed_header(proposal)))

    def record(self, evidence: Evidence | None) -> list[Action]:
        """Keep new evidence for the next proposal and report it once per offender and round."""
        if evidence is None:
            return []
        kind, offender = get_evidence_kind(evidence), get_offender(evidence)
        round_ = get_evidence_round(evidence)
        offence = (kind, offender, round_)
        if offence in self.seen:
            return []
        self.seen[offence] = None
        if len(self.seen) > MAX_SEEN_OFFENCES:
            self.seen.popitem(last=False)
        encoded = encode_evidence(evidence)
        if len(self.pending) < MAX_PENDING_EVIDENCE:
            self.pending[encoded] = round_
        return [RecordEvidence(kind, offender, encoded)]

    def get_for_proposal(self) -> tuple[bytes, ...]:
        return tuple(self.pending)[:MAX_EVIDENCE_PER_PROPOSAL]

    def on_commit(self, block: Block) -> None:
        for item in block.evidence:
            self.pending.pop(item, None)

    def prune(self, new_round: Round) -> None:
        for key in [k for k in self.first_headers if k[0] + 2 < new_round]:
            del self.first_headers[key]
        too_old = new_round - MAX_EVIDENCE_AGE_ROUNDS
        for item in [e for e, r in self.pending.items() if r <= too_old]:
            del self.pending[item]  # no block may carry it any more

    def get_size(self) -> int:
        """Entries held (for the simulator's table-size report)."""
        return len(self.pending) + len(self.first_headers) + len(self.seen)
