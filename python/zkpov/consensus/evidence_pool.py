"""Evidence a validator has seen: recorded once, proposed in blocks until committed."""

from __future__ import annotations

from zkpov.consensus.actions import Action, RecordEvidence
from zkpov.consensus.evidence import Evidence, encode_evidence, get_evidence_kind, get_offender
from zkpov.consensus.messages import Block, Proposal
from zkpov.consensus.proposals import make_double_proposal
from zkpov.types import Round, ValidatorIndex

__all__ = ["EvidencePool"]

MAX_EVIDENCE_PER_PROPOSAL = 16


class EvidencePool:
    """Pending evidence (encoded) and the first proposal seen per (round, proposer)."""

    def __init__(self) -> None:
        self.pending: dict[bytes, None] = {}
        self.first_proposals: dict[tuple[Round, ValidatorIndex], Proposal] = {}

    def on_proposal(self, proposal: Proposal) -> list[Action]:
        """Record a double proposal if ``proposal`` conflicts with one already seen."""
        key = (proposal.block.round, proposal.block.proposer)
        first = self.first_proposals.setdefault(key, proposal)
        if first.block.id == proposal.block.id:
            return []
        return self.record(make_double_proposal(first, proposal))

    def record(self, evidence: Evidence | None) -> list[Action]:
        """Keep new evidence for the next proposal and report it once."""
        if evidence is None:
            return []
        encoded = encode_evidence(evidence)
        if encoded in self.pending:
            return []
        self.pending[encoded] = None
        return [RecordEvidence(get_evidence_kind(evidence), get_offender(evidence), encoded)]

    def get_for_proposal(self) -> tuple[bytes, ...]:
        return tuple(self.pending)[:MAX_EVIDENCE_PER_PROPOSAL]

    def on_commit(self, block: Block) -> None:
        for item in block.evidence:
            self.pending.pop(item, None)

    def prune(self, new_round: Round) -> None:
        for key in [k for k in self.first_proposals if k[0] + 2 < new_round]:
            del self.first_proposals[key]
