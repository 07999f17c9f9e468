"""The agreed log's epochs: which set runs each epoch, as the agreed chain elects it.

Runs as a canonical-block hook after :class:`~zkpov.sim.chain_state.CanonicalChainState` (which
has then applied the block, the epoch transition included). Invariant ``epoch_boundary``: the
log's epoch changes only right after a reconfiguration block, and only the reconfiguration block
names a next set, the one the agreed economics elect.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from zkpov.consensus.epochs.starts import EpochStart, start_next_epoch
from zkpov.sim.chain_state import CanonicalChainState
from zkpov.spec.messages import Block
from zkpov.types import Epoch

__all__ = ["CanonicalEpochs"]


class CanonicalEpochs:
    """Epoch starts of the agreed log; ``changes`` lists each boundary's joins and leaves."""

    def __init__(
        self, first: EpochStart, chain: CanonicalChainState, report: Callable[[str, str], None]
    ) -> None:
        self.current, self.chain, self.report = first, chain, report
        self.starts: dict[Epoch, EpochStart] = {first.vset.epoch: first}
        self.changes: list[dict[str, Any]] = []

    def on_block(self, block: Block) -> None:
        start = self.current
        if block.epoch != start.vset.epoch:
            self.report(
                "epoch_boundary", f"block at height {block.height} is of epoch {block.epoch}"
            )
        is_ending = start.window.is_reconfiguration(block)
        if bool(block.next_validator_set_commitment) != is_ending:
            self.report("epoch_boundary", f"block at height {block.height} misplaces a next set")
        if is_ending:
            self._switch(block)

    def _switch(self, ending: Block) -> None:
        start, state = self.current, copy.deepcopy(self.chain.state)
        following = start_next_epoch(ending, state, start.vset.scheme, start.vset.config)
        if ending.next_validator_set_commitment != following.set.commitment:
            self.report("epoch_boundary", f"epoch {start.vset.epoch} ended naming another set")
        before, after = set(start.set.members), set(following.set.members)
        self.changes.append(
            {
                "epoch": int(following.vset.epoch),
                "height": int(ending.height),
                "joined": sorted(after - before),
                "left": sorted(before - after),
            }
        )
        self.current = self.starts[following.vset.epoch] = following
        self.chain.vset = following.vset

    def get_summary(self) -> dict[str, Any]:
        return {
            "length": self.current.vset.config.epoch_length,
            "reached": int(self.current.vset.epoch),
            "validator_set_changes": self.changes,
        }
