"""Safety rules (Aptos/Diem 2-chain): the only code that signs votes and timeouts.

Each signing updates :class:`SafetyData`; the core persists it before the signature leaves.
``test_only_break_vote_rule`` disables the whole vote rule (``B.round > last_voted_round`` and the
QC/TC condition); it exists only so tests can show that the simulator's invariant checker finds the
safety violations that follow.
"""

from __future__ import annotations

import dataclasses

from zkpov.errors import ProposalError, VotingError
from zkpov.spec.messages import (
    Block,
    QuorumCert,
    Timeout,
    TimeoutCert,
    Vote,
    VoteData,
    compute_timeout_signing_root,
)
from zkpov.spec.safety_data import SafetyData
from zkpov.spec.signing import SignatureScheme
from zkpov.types import Round, ValidatorIndex

__all__ = [
    "SafetyRules",
    "UnsafeProposal",
    "UnsafeTimeout",
    "UnsafeVote",
    "compute_observed_qc",
    "is_safe_to_timeout",
    "is_safe_to_vote",
]


class UnsafeVote(VotingError):
    """Voting for this block could break safety."""


class UnsafeTimeout(VotingError):
    """Timing out of this round could break safety."""


class UnsafeProposal(ProposalError):
    """Proposing in this round again would equivocate."""


def is_safe_to_vote(block_round: Round, qc_round: Round, tc: TimeoutCert | None) -> bool:
    """``B.round == B.qc.round + 1`` or (``B.round == tc.round + 1`` and
    ``B.qc.round >= tc.highest_hqc_round``)."""
    if block_round == qc_round + 1:
        return True
    return tc is not None and block_round == tc.round + 1 and qc_round >= tc.highest_hqc_round


def is_safe_to_timeout(round_: Round, hqc_round: Round, tc_round: Round, one_chain: Round) -> bool:
    """(``r == hqc.round + 1`` or ``r == tc.round + 1``) and ``hqc.round >= one_chain_round``."""
    return (round_ == hqc_round + 1 or round_ == tc_round + 1) and hqc_round >= one_chain


def compute_observed_qc(data: SafetyData, qc: QuorumCert) -> SafetyData:
    """Lock update on a QC: raise ``one_chain_round`` and ``preferred_round``."""
    return dataclasses.replace(
        data,
        one_chain_round=Round(max(data.one_chain_round, qc.round)),
        preferred_round=Round(max(data.preferred_round, qc.vote_data.parent_round)),
    )


class SafetyRules:
    """Holds the current SafetyData and the signing key of one validator."""

    def __init__(
        self,
        data: SafetyData,
        index: ValidatorIndex,
        sk: bytes,
        scheme: SignatureScheme,
        *,
        test_only_break_vote_rule: bool = False,
    ) -> None:
        self.data = data
        self.index = index
        self._sk = sk
        self._scheme = scheme
        self._break_vote_rule = test_only_break_vote_rule

    def sign_vote(self, block: Block, tc: TimeoutCert | None) -> tuple[Vote, bool]:
        """Vote for ``block``; ``(vote, False)`` when repeating the stored vote of this round."""
        last = self.data.last_vote
        if last is not None and last.round == block.round and not self._break_vote_rule:
            if last.vote_data.block_id == block.id:
                return last, False
            raise UnsafeVote(f"already voted for another block in round {block.round}")
        self._check_vote(block, tc)
        vote = self._make_vote(block)
        data = compute_observed_qc(self.data, block.qc)
        last_voted = Round(max(data.last_voted_round, block.round))
        self.data = dataclasses.replace(data, last_voted_round=last_voted, last_vote=vote)
        return vote, True

    def _check_vote(self, block: Block, tc: TimeoutCert | None) -> None:
        if block.epoch != self.data.epoch:
            raise UnsafeVote(f"block epoch {block.epoch} is not safety epoch {self.data.epoch}")
        if self._break_vote_rule:
            return
        if block.round <= self.data.last_voted_round:
            raise UnsafeVote(f"round {block.round} <= last voted {self.data.last_voted_round}")
        if not is_safe_to_vote(block.round, block.qc.round, tc):
            raise UnsafeVote(f"vote rule forbids round {block.round} on QC {block.qc.round}")

    def _make_vote(self, block: Block) -> Vote:
        data = VoteData(block.epoch, block.round, block.id, block.qc.round, block.qc.block_id)
        return Vote(data, self.index, self._scheme.sign(self._sk, data.signing_root))

    def sign_proposal(self, round_: Round, signing_root: bytes) -> bytes:
        """Sign a proposal for ``round_`` once: ``last_proposed_round`` moves first, and the
        core persists it before the proposal leaves (so a restart never proposes ``round_``
        again, even without the slashing-protection database)."""
        if round_ <= self.data.last_proposed_round:
            raise UnsafeProposal(f"already proposed in round {self.data.last_proposed_round}")
        self.data = dataclasses.replace(self.data, last_proposed_round=round_)
        return self._scheme.sign(self._sk, signing_root)

    def sign_timeout(self, round_: Round, hqc: QuorumCert, tc_round: Round) -> Timeout:
        """Time out of ``round_`` with highest QC ``hqc`` (last TC's round ``tc_round``)."""
        if round_ < self.data.last_voted_round:
            raise UnsafeTimeout(f"round {round_} < last voted {self.data.last_voted_round}")
        if not is_safe_to_timeout(round_, hqc.round, tc_round, self.data.one_chain_round):
            raise UnsafeTimeout(f"unsafe to time out of round {round_} with QC {hqc.round}")
        data = compute_observed_qc(self.data, hqc)
        self.data = dataclasses.replace(
            data,
            last_voted_round=Round(max(data.last_voted_round, round_)),
            highest_timeout_round=Round(max(data.highest_timeout_round, round_)),
        )
        root = compute_timeout_signing_root(data.epoch, round_, hqc.round)
        return Timeout(data.epoch, round_, hqc, self.index, self._scheme.sign(self._sk, root))
