"""Where an epoch ends, by height, and what its ending blocks may carry.

An epoch starts at its root: the genesis block for epoch 0, the previous epoch's reconfiguration
block after. The first block at height ``root.height + epoch_length`` on any branch is that
branch's **reconfiguration block**: the ``epoch_length``-th block of the epoch, the one whose
execution (:func:`zkpov.chain.transition.process_block`) runs the epoch transition. Only it names
the next validator set. Its descendants (the **suffix**) only carry the 2-chain that commits it:
no payload, proof or evidence, and the parent's state root; they are never part of the
committed log. Headers alone decide all of this (the next set's value is checked by
:mod:`zkpov.consensus.epochs.checker`).
"""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import Block, QuorumCert, VoteData
from zkpov.spec.payload import InvalidBlock
from zkpov.types import Epoch, Height

__all__ = ["EpochWindow", "check_epoch_block", "make_epoch_root_qc"]


@dataclass(frozen=True)
class EpochWindow:
    """Epoch ``epoch`` starting after its root at ``start_height``, ``length`` blocks long."""

    epoch: Epoch
    start_height: Height
    length: int

    @property
    def reconfiguration_height(self) -> Height:
        return Height(self.start_height + self.length)

    def is_reconfiguration(self, block: Block) -> bool:
        return block.epoch == self.epoch and block.height == self.reconfiguration_height

    def is_suffix(self, block: Block) -> bool:
        """A descendant of the reconfiguration block (it carries nothing)."""
        return block.height > self.reconfiguration_height


def check_epoch_block(block: Block, parent: Block, window: EpochWindow) -> None:
    """Header rules of epoch ``window``: an empty suffix, and a next-set field only in the
    reconfiguration block (``InvalidBlock``; its value is checked against the chain state)."""
    if window.is_suffix(block):
        if block.payload or block.proof or block.evidence:
            raise InvalidBlock(f"block at round {block.round} carries a body after the epoch end")
        if block.state_root != parent.state_root:
            raise InvalidBlock(f"block at round {block.round} changes state after the epoch end")
    if block.next_validator_set_commitment and not window.is_reconfiguration(block):
        raise InvalidBlock(f"block at round {block.round} names a next set before the epoch end")


def make_epoch_root_qc(root: Block, epoch: Epoch, size: int) -> QuorumCert:
    """The QC every validator of ``epoch`` (``size`` members) trusts for its root, the previous
    epoch's reconfiguration block: like genesis's, unsigned and derived by each validator alone.
    It keeps the root's round, so rounds keep rising across epochs."""
    data = VoteData(epoch, root.round, root.id, root.round, root.id)
    return QuorumCert(data, compute_bitfield([], size), b"")
