"""SafetyData: what a validator must remember across crashes to never sign unsafely."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.consensus.messages import Vote
from zkpov.types import Epoch, Round

__all__ = ["SafetyData"]


@dataclass(frozen=True)
class SafetyData:
    """Aptos/Diem 2-chain safety data (DESIGN.md section 4)."""

    epoch: Epoch
    last_voted_round: Round = Round(0)
    preferred_round: Round = Round(0)
    one_chain_round: Round = Round(0)
    last_vote: Vote | None = None
    highest_timeout_round: Round = Round(0)
