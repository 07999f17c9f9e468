"""What a restarted validator reloads besides its safety data.

See docs/design.md, "Pruning, sync, recovery".

:class:`RecoveryData` is the certified chain above the committed root and the highest QC, as the
node last persisted them. Without them a validator whose safety data is ahead of its root could
neither vote for the chain it already voted on nor form a timeout certificate with a high enough
QC, and would stall until sync caught it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from zkpov.errors import ZkpovError
from zkpov.spec.messages import Block, QuorumCert

if TYPE_CHECKING:
    from zkpov.consensus.core import ConsensusCore

__all__ = ["RecoveryData", "apply_recovery"]


@dataclass(frozen=True)
class RecoveryData:
    blocks: tuple[Block, ...] = ()
    hqc: QuorumCert | None = None


def apply_recovery(core: ConsensusCore, data: RecoveryData) -> int:
    """Re-inserts the certified blocks above the root (each re-checked by the core's validity
    checker; blocks that no longer connect or check are skipped) and the highest QC, before
    ``core.start``. Returns how many blocks were restored."""
    restored = 0
    for block in sorted(data.blocks, key=lambda b: b.height):
        if _restore_block(core, block):
            restored += 1
    if data.hqc is not None and core.tree.has(data.hqc.block_id):
        core.tree.observe_qc(data.hqc)
    return restored


def _restore_block(core: ConsensusCore, block: Block) -> bool:
    parent = core.tree.get(block.parent_id)
    if parent is None or core.tree.has(block.id) or block.height <= core.tree.root.height:
        return False
    try:
        core.checker.check_block(block, parent)
    except ZkpovError:
        return False
    core.tree.insert(block)
    return True
