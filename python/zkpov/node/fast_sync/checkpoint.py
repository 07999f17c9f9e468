"""The checkpoint a node serves: its latest proven-final block that a 2-chain makes final.

A checkpoint is a hash-linked run of committed blocks ending with the checkpoint block ``B``
and its child ``B'`` (``B'.round == B.round + 1``, of ``B``'s epoch), plus ``commit_qc``, the QC
of ``B'`` (of that epoch too: never an epoch root QC): ``B'`` carries the QC of ``B``, so the two
QCs commit ``B`` under Jolteon's 2-chain rule. The run starts up to ``MAX_CHECKPOINT_BLOCKS``
before ``B`` so that the validity proofs of its blocks (in ``proofs``) can be checked against
their parents' state roots. ``epoch_changes`` is the chain of epoch endings from genesis to
``B``'s epoch (:mod:`.epoch_changes`; empty in epoch 0).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from zkpov.spec.messages import Block, QuorumCert

__all__ = ["MAX_CHECKPOINT_BLOCKS", "Checkpoint", "find_checkpoint"]

MAX_CHECKPOINT_BLOCKS = 16  # blocks before the checkpoint whose proofs come with it
_MAX_SCAN = 64  # heights below the proven-final one tried for a 2-chain


@dataclass(frozen=True)
class Checkpoint:
    blocks: tuple[Block, ...]
    commit_qc: QuorumCert
    epoch_changes: tuple[bytes, ...] = ()
    proofs: tuple[tuple[int, bytes], ...] = ()

    @property
    def block(self) -> Block:
        """The checkpoint block (the run's second to last)."""
        return self.blocks[-2]

    @property
    def height(self) -> int:
        return self.blocks[-2].height


GetBlock = Callable[[int], Block | None]


def find_checkpoint(
    get_block: GetBlock, root: tuple[Block, QuorumCert], top: int, proofs: Mapping[int, bytes]
) -> Checkpoint | None:
    """The highest checkpoint at or below ``top`` (the proven-final height, for which the
    caller holds the state) that a 2-chain of committed blocks makes final; ``root``: the last
    committed block and its QC. None if none of the heights tried has one."""
    for height in range(top, max(0, top - _MAX_SCAN), -1):
        found = _get_two_chain(get_block, root, height)
        if found is not None:
            blocks = _get_run(get_block, height, found[0])
            held = tuple((b.height, proofs[b.height]) for b in blocks[1:-1] if b.height in proofs)
            return Checkpoint(blocks, found[1], (), held)
    return None


def _get_two_chain(
    get_block: GetBlock, root: tuple[Block, QuorumCert], height: int
) -> tuple[Block, QuorumCert] | None:
    """``B'`` and its QC if the block at ``height`` is directly committed by them."""
    block, child = get_block(height), get_block(height + 1)
    if block is None or child is None or child.round != block.round + 1:
        return None
    if child.epoch != block.epoch:  # B ends its epoch: B' sits on the next epoch's root QC
        return None
    grandchild = get_block(height + 2)
    qc = root[1] if root[0].id == child.id else grandchild.qc if grandchild else None
    if qc is None or qc.block_id != child.id or qc.vote_data.epoch != child.epoch:
        return None  # an epoch's first block sits on a synthetic root QC of the next epoch
    return child, qc


def _get_run(get_block: GetBlock, height: int, child: Block) -> tuple[Block, ...]:
    run = [child]
    for h in range(height, max(-1, height - MAX_CHECKPOINT_BLOCKS - 1), -1):
        block = get_block(h)
        if block is None:
            break
        run.append(block)
    return tuple(reversed(run))
