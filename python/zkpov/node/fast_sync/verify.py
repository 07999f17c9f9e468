"""Checks a checkpoint against the trusted genesis, cheap checks first.

1. Shape: the claimed height is the checkpoint block's; the blocks link by hash, one height
   apart.
2. The epoch changes: the chain of endings from the genesis set (:mod:`.epoch_changes`) must
   lead exactly to the checkpoint block's epoch; its set is the one trusted next.
3. The 2-chain: the child's round is the checkpoint block's + 1, the child carries the QC of
   the checkpoint block and ``commit_qc`` certifies the child, both QCs from the checkpoint
   epoch's set, with more than 2/3 of its stake and a valid aggregate signature.
4. Validity proofs: each block of the run with transfers (but the first, whose parent is not in
   the run) up to the checkpoint must come with a proof; all are batch-verified (n + 2 Miller
   loops) against the block's and its parent's state roots and its transfers.
"""

from __future__ import annotations

from collections.abc import Callable

from zkpov.chain.proof_inputs import compute_block_public_inputs
from zkpov.consensus.quorum import verify_qc
from zkpov.crypto import snark
from zkpov.errors import FastSyncCheckpointError, ZkpovError
from zkpov.node.fast_sync.checkpoint import Checkpoint
from zkpov.node.fast_sync.epoch_changes import verify_epoch_changes
from zkpov.spec.epochs import EpochEnding
from zkpov.spec.messages import Block, QuorumCert
from zkpov.spec.validators import ValidatorSet

__all__ = ["verify_checkpoint"]

GetVerifyingKey = Callable[[], snark.VerifyingKey]


def verify_checkpoint(
    claimed: int,
    checkpoint: Checkpoint,
    vset: ValidatorSet,
    get_vk: GetVerifyingKey,
    chain_tag: int = 0,
) -> tuple[EpochEnding, ...]:
    """The verified epoch endings from genesis (``vset``: the genesis set), else
    ``FastSyncCheckpointError`` saying what is wrong; the proofs are checked for the network of
    ``chain_tag``."""
    _check_shape(claimed, checkpoint)
    epoch_vset, endings = verify_epoch_changes(checkpoint.epoch_changes, vset)
    if epoch_vset.epoch != checkpoint.block.epoch:
        raise FastSyncCheckpointError(
            f"the epoch changes lead to epoch {epoch_vset.epoch}, the checkpoint is in"
            f" {checkpoint.block.epoch}"
        )
    _check_two_chain(checkpoint, epoch_vset)
    _check_proofs(checkpoint, get_vk, chain_tag)
    return endings


def _check_shape(claimed: int, checkpoint: Checkpoint) -> None:
    if claimed != checkpoint.height:
        raise FastSyncCheckpointError(
            f"the checkpoint claims height {claimed}, its block is at {checkpoint.height}"
        )
    if checkpoint.height < 1:
        raise FastSyncCheckpointError("a checkpoint at genesis brings nothing")
    for parent, block in zip(checkpoint.blocks, checkpoint.blocks[1:], strict=False):
        if block.parent_id != parent.id or block.height != parent.height + 1:
            raise FastSyncCheckpointError(f"the block at height {block.height} does not link")


def _check_two_chain(checkpoint: Checkpoint, vset: ValidatorSet) -> None:
    block, child, qc = checkpoint.block, checkpoint.blocks[-1], checkpoint.commit_qc
    if child.round != block.round + 1:
        raise FastSyncCheckpointError("the child's round does not follow the checkpoint's")
    _check_certifies(child.qc, block)
    _check_certifies(qc, child)
    for cert in (child.qc, qc):
        try:
            verify_qc(cert, vset)
        except ZkpovError as err:
            raise FastSyncCheckpointError(f"a commit certificate does not check: {err}") from err


def _check_certifies(qc: QuorumCert, block: Block) -> None:
    data = qc.vote_data
    if (data.block_id, data.round, data.epoch) != (block.id, block.round, block.epoch):
        raise FastSyncCheckpointError(f"a QC does not certify the block at {block.height}")
    if data.parent_id != block.parent_id:
        raise FastSyncCheckpointError(f"a QC names another parent of block {block.height}")


def _check_proofs(checkpoint: Checkpoint, get_vk: GetVerifyingKey, chain_tag: int) -> None:
    blocks: dict[int, Block] = {block.height: block for block in checkpoint.blocks}
    proofs = dict(checkpoint.proofs)
    if len(proofs) != len(checkpoint.proofs):
        raise FastSyncCheckpointError("a height has two proofs")
    owed = {b.height for b in checkpoint.blocks[1:-1] if b.payload}
    if owed - set(proofs) or set(proofs) - owed:
        missing, extra = sorted(owed - set(proofs)), sorted(set(proofs) - owed)
        raise FastSyncCheckpointError(f"proofs missing at {missing}, unexpected at {extra}")
    if not proofs:
        return
    try:
        items = [
            (compute_block_public_inputs(blocks[h], blocks[h - 1], chain_tag), proof)
            for h, proof in sorted(proofs.items())
        ]
        valid = snark.batch_verify(get_vk(), items)
    except ZkpovError as err:
        raise FastSyncCheckpointError(f"a validity proof does not decode: {err}") from err
    if not valid:
        raise FastSyncCheckpointError(f"the validity proofs of {sorted(proofs)} do not verify")
