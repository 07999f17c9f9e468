"""The equivocating outbox: after each own vote (``double_vote``) or own proposal
(``double_proposal``) has gone out, a conflicting one, signed with the same key, follows it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from zkpov.consensus.equivocation import build_double_vote, build_twin_proposal
from zkpov.node.attack.wrapped import AttackOutbox
from zkpov.spec.codec.epochs import decode_consensus
from zkpov.spec.codec.messages import encode_message
from zkpov.spec.messages import Proposal, Vote
from zkpov.spec.signing import SignatureScheme
from zkpov.types import ValidatorIndex

__all__ = ["EquivocatingOutbox"]

log = logging.getLogger(__name__)


@dataclass
class EquivocatingOutbox(AttackOutbox):
    """Wraps the node's outbox, which the driver calls only after the slashing guard recorded
    the honest message; ``sent`` counts the conflicting messages sent."""

    mode: str

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None:
        super().send_to(to, payload, bulk)
        if self.mode == "double_vote" and not bulk:
            vote = decode_consensus(payload)
            if isinstance(vote, Vote) and vote.voter == self.index:
                self.inner.send_to(to, self._conflicting(build_double_vote(vote, *self._key)))

    def broadcast(self, payload: bytes) -> None:
        self.inner.broadcast(payload)
        if self.mode == "double_proposal":
            proposal = decode_consensus(payload)
            if isinstance(proposal, Proposal) and proposal.block.proposer == self.index:
                self.inner.broadcast(self._conflicting(build_twin_proposal(proposal, *self._key)))

    @property
    def _key(self) -> tuple[SignatureScheme, bytes]:
        return self.scheme, self.sk

    def _conflicting(self, message: Vote | Proposal) -> bytes:
        self.sent += 1
        log.info("ATTACK MODE %s: sent a conflicting %s", self.mode, type(message).__name__)
        return encode_message(message)
