"""The forging outbox (``forged_evidence``): each own proposal leaves carrying forged evidence
instead, a double vote framing another validator but signed with this validator's key, and
re-signed. Honest voters refuse the block (``zkpov.consensus.evidence_check``: the signatures
do not verify), so the round times out and nobody is slashed; without that check the victim
would be."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from zkpov.consensus.equivocation import sign_proposal
from zkpov.node.attack.wrapped import AttackOutbox
from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.codec.messages import decode_message, encode_message
from zkpov.spec.evidence import DoubleVote
from zkpov.spec.messages import Proposal, Vote, VoteData
from zkpov.spec.signing import SignatureScheme
from zkpov.types import BlockId, Round, ValidatorIndex

__all__ = ["ForgingOutbox", "forge_double_vote"]

log = logging.getLogger(__name__)


def forge_double_vote(
    victim: ValidatorIndex, round_: Round, proposal: Proposal, scheme: SignatureScheme, sk: bytes
) -> bytes:
    """Two votes of ``victim`` for different blocks of ``round_``, signed with ``sk`` (not the
    victim's key): evidence that does not verify."""
    block = proposal.block
    votes = []
    for fill in (b"\x01", b"\x02"):
        data = VoteData(block.epoch, round_, BlockId(fill * 32), Round(round_ - 1), block.parent_id)
        votes.append(Vote(data, victim, scheme.sign(sk, data.signing_root)))
    return encode_evidence(DoubleVote(*votes))


@dataclass
class ForgingOutbox(AttackOutbox):
    """Wraps the node's outbox (after the slashing guard); ``sent`` counts forged proposals."""

    def broadcast(self, payload: bytes) -> None:
        proposal = decode_message(payload)
        mine = isinstance(proposal, Proposal) and proposal.block.proposer == self.index
        if not mine or proposal.block.round < 2:  # round 1: no earlier round to frame
            self.inner.broadcast(payload)
            return
        victim = ValidatorIndex(1 if self.index == 0 else 0)
        round_ = Round(proposal.block.round - 1)
        forged = forge_double_vote(victim, round_, proposal, self.scheme, self.sk)
        block = dataclasses.replace(proposal.block, evidence=(forged,))
        self.sent += 1
        log.info("ATTACK MODE forged_evidence: sent a proposal framing validator %d", victim)
        self.inner.broadcast(
            encode_message(sign_proposal(block, self.scheme, self.sk, proposal.tc))
        )
