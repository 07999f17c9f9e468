"""Safety rules of a validator outside the epoch's set: it follows the chain, never signs."""

from __future__ import annotations

from zkpov.consensus.safety import SafetyRules, UnsafeProposal, UnsafeTimeout, UnsafeVote
from zkpov.spec.messages import Block, QuorumCert, Timeout, TimeoutCert, Vote
from zkpov.types import Round

__all__ = ["ObserverSafetyRules"]


class ObserverSafetyRules(SafetyRules):
    """Refuses every signature: a validator that left, or has not joined yet, only follows the
    chain (its core inserts and commits blocks, so it switches epochs with everyone else)."""

    def sign_vote(self, block: Block, tc: TimeoutCert | None) -> tuple[Vote, bool]:
        raise UnsafeVote(f"not a member of epoch {block.epoch}'s set")

    def sign_timeout(self, round_: Round, hqc: QuorumCert, tc_round: Round) -> Timeout:
        raise UnsafeTimeout(f"not a member of epoch {self.data.epoch}'s set")

    def sign_proposal(self, round_: Round, signing_root: bytes) -> bytes:
        raise UnsafeProposal(f"not a member of epoch {self.data.epoch}'s set")
