"""The forging outbox (``forged_evidence``): each own proposal leaves carrying forged evidence
instead, a double vote framing another validator but signed with this validator's key, and
re-signed. Honest voters refuse the block (``zkpov.consensus.evidence_check``: the signatures
do not verify), so the round times out and nobody is slashed. Without that check the block
would commit with its forged evidence, and still slash nobody: the staking ledger re-verifies
every item (``zkpov.chain.evidence``); the simulator's ``forged_evidence_proposer`` shows both."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from zkpov.consensus.equivocation import forge_double_vote, sign_proposal
from zkpov.node.attack.wrapped import AttackOutbox
from zkpov.spec.codec.epochs import decode_consensus
from zkpov.spec.codec.messages import encode_message
from zkpov.spec.messages import Proposal
from zkpov.types import Round, ValidatorIndex

__all__ = ["ForgingOutbox"]

log = logging.getLogger(__name__)


@dataclass
class ForgingOutbox(AttackOutbox):
    """Wraps the node's outbox (after the slashing guard); ``sent`` counts forged proposals."""

    def broadcast(self, payload: bytes) -> None:
        proposal = decode_consensus(payload)
        mine = isinstance(proposal, Proposal) and proposal.block.proposer == self.index
        if not mine or proposal.block.round < 2:  # round 1: no earlier round to frame
            self.inner.broadcast(payload)
            return
        victim = ValidatorIndex(1 if self.index == 0 else 0)
        round_ = Round(proposal.block.round - 1)
        forged = forge_double_vote(victim, round_, proposal.block, self.scheme, self.sk)
        block = dataclasses.replace(proposal.block, evidence=(forged,))
        self.sent += 1
        log.info("ATTACK MODE forged_evidence: sent a proposal framing validator %d", victim)
        self.inner.broadcast(
            encode_message(sign_proposal(block, self.scheme, self.sk, proposal.tc))
        )
