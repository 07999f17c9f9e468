"""Leader election for an epoch after the first: stake-weighted draws from the epoch's seed.

Reputation windows (``reputation_leaders``) read blocks along the chain, and across an epoch
boundary those blocks name proposers by the previous set's indices; until reputation learns to
stop at the epoch root, an epoch manager elects by stake and the chain state's seed alone.
"""

from __future__ import annotations

from zkpov.consensus.leader import BlockLookup, choose_index, compute_leader_seed
from zkpov.spec.messages import Block
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Round, ValidatorIndex

__all__ = ["SeededLeaders"]


class SeededLeaders:
    """Leader of round r: ``choose_index(stakes, H(seed, epoch, r))``; the chain is ignored."""

    def __init__(self, vset: ValidatorSet) -> None:
        self.vset = vset

    def get_leader(
        self, round_: Round, tip: Block | None = None, lookup: BlockLookup | None = None
    ) -> ValidatorIndex:
        seed = compute_leader_seed(self.vset.seed, self.vset.epoch, round_)
        return choose_index(self.vset.stakes, seed)

    def on_commit(self, block: Block) -> None:
        """Stake draws keep no history."""
