"""SafetyData: what a validator must remember across crashes to never sign unsafely."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.spec.messages import Vote
from zkpov.types import Epoch, Round

__all__ = ["SafetyData"]

ROUND_ZERO = Round(0)


@dataclass(frozen=True)
class SafetyData:
    """Aptos/Diem 2-chain safety data (docs/design.md "Consensus")."""

    epoch: Epoch
    last_voted_round: Round = ROUND_ZERO
    preferred_round: Round = ROUND_ZERO
    one_chain_round: Round = ROUND_ZERO
    last_vote: Vote | None = None
    highest_timeout_round: Round = ROUND_ZERO
    last_proposed_round: Round = ROUND_ZERO  # a leader never proposes twice in a round
