"""Which timeout certificates the core spends a verification on (60-300 ms at n = 100).

A TC rides in a proposal or a timeout, covered by neither signature, so a relay or a Byzantine
sender can attach a fresh forgery to every copy. The gate checks a TC only when it can matter
and is new to us: a proposal's TC(r - 1) of a recovery block, while fewer than
``limits.MAX_TC_CHECKS_PER_ROUND`` TCs of that round failed; a timeout's TC above our highest
TC, unless its sender's last TC failed within ``limits.FUTURE_ROUND_WINDOW`` rounds. A TC that
fails is dropped; the signed message around it stands.
"""

from __future__ import annotations

from zkpov.consensus import limits
from zkpov.consensus.quorum import InvalidCertificate, verify_tc
from zkpov.spec.messages import Proposal, QuorumCert, Timeout, TimeoutCert
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Round, ValidatorIndex

__all__ = ["TcGate", "get_justifying_tc"]


def get_justifying_tc(htc: TimeoutCert | None, round_: Round) -> TimeoutCert | None:
    """Our TC for ``round_ - 1`` (the only TC worth attaching to a message of ``round_``)."""
    return htc if htc is not None and htc.round + 1 == round_ else None


class TcGate:
    """Bounded bookkeeping of failed TCs: per round (proposals) and per sender (timeouts)."""

    def __init__(self, vset: ValidatorSet) -> None:
        self.vset = vset
        self.failures: dict[Round, int] = {}
        self.muted_until: dict[ValidatorIndex, Round] = {}

    def check_proposal_tc(
        self, proposal: Proposal, htc: TimeoutCert | None, trusted: QuorumCert
    ) -> TimeoutCert | None:
        """The proposal's TC if it justifies a recovery block's round and verifies."""
        tc, block = proposal.tc, proposal.block
        if tc is None or tc.round + 1 != block.round or block.round == block.qc.round + 1:
            return None
        if tc == htc:
            return tc
        if self.failures.get(block.round, 0) >= limits.MAX_TC_CHECKS_PER_ROUND:
            return None
        if self._is_valid(tc, trusted):
            return tc
        self.failures[block.round] = self.failures.get(block.round, 0) + 1
        return None

    def check_timeout_tc(
        self, timeout: Timeout, htc: TimeoutCert | None, trusted: QuorumCert, current: Round
    ) -> TimeoutCert | None:
        """A timeout's TC if it is above our highest TC and root, and verifies."""
        tc, sender = timeout.tc, timeout.signer
        if tc is None or tc.round >= timeout.round or tc.round < trusted.round:
            return None
        if (htc is not None and tc.round <= htc.round) or self.muted_until.get(
            sender, -1
        ) >= current:
            return None
        if self._is_valid(tc, trusted):
            return tc
        self.muted_until[sender] = Round(current + limits.FUTURE_ROUND_WINDOW)
        return None

    def _is_valid(self, tc: TimeoutCert, trusted: QuorumCert) -> bool:
        try:
            verify_tc(tc, self.vset, trusted)
        except InvalidCertificate:
            return False
        return True

    def prune(self, new_round: Round) -> None:
        for old in [r for r in self.failures if r + 2 < new_round]:
            del self.failures[old]
        for sender in [s for s, r in self.muted_until.items() if r < new_round]:
            del self.muted_until[sender]

    def get_size(self) -> int:
        return len(self.failures) + len(self.muted_until)
