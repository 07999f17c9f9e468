"""The chain state of the agreed (canonical) committed log: stakes, rewards and slashing.

Agreement is checked separately, so every honest node's log gives the same chain state: the
simulator computes it once, block by block as blocks become agreed. After every block the supply
is checked (stake conservation).
"""

from __future__ import annotations

from collections.abc import Callable

from zkpov.chain.staking import get_total_stake
from zkpov.chain.transition import compute_genesis_state, is_supply_conserved, process_block
from zkpov.spec.messages import Block
from zkpov.spec.validators import ValidatorSet

__all__ = ["CanonicalChainState"]


class CanonicalChainState:
    """The :class:`~zkpov.chain.containers.ChainState` of the agreed log; ``report(kind, detail)``
    receives a broken stake conservation. ``vset`` is the set of the next block's epoch (with
    epochs on, :class:`~zkpov.sim.epoch_chain.CanonicalEpochs` moves it at each boundary)."""

    def __init__(self, vset: ValidatorSet, report: Callable[[str, str], None]) -> None:
        self.vset = vset
        owners = [b"owner-%d" % i for i in range(len(vset))]
        self.state = compute_genesis_state(vset.pubkeys, vset.stakes, owners, vset.seed)
        self.report = report

    def on_block(self, block: Block) -> None:
        """Apply the next agreed block, then check the supply."""
        process_block(self.state, self.vset.config, self.vset, block)
        if not is_supply_conserved(self.state):
            expected = self.state.initial_supply + self.state.minted - self.state.burned
            self.report("stake_conservation", f"supply {get_total_stake(self.state)} != {expected}")

    def get_slashed(self) -> dict[int, int]:
        """Validator (registry index: the genesis consensus index) -> stake burned, for
        validators slashed so far, ejected ones included."""
        slashed = {}
        for index, validator in enumerate(self.state.validators):
            if validator.slashed_amount:
                slashed[index] = int(validator.slashed_amount)
        return slashed
