"""What a commit means under an epoch manager: whether it ends an epoch (it is cut at the
reconfiguration block R the manager just recorded an ending for), and the QC that certifies its
last block, which at an epoch's end is R's own rather than the new epoch's unsigned root QC."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.consensus.actions import Commit
from zkpov.consensus.epochs.manager import EpochManager
from zkpov.node.consensus_io.driver import ConsensusDriver
from zkpov.spec.epochs import EpochEnding
from zkpov.spec.messages import QuorumCert

__all__ = ["CommitEnding", "get_commit_ending", "get_commit_root_qc"]


@dataclass(frozen=True)
class CommitEnding:
    ending: EpochEnding
    old_members: tuple[int, ...]  # the set of the epoch it ends (registry indices)
    root_qc: QuorumCert | None  # R's certifying QC, if a core still held it


def get_commit_ending(driver: ConsensusDriver, commit: Commit) -> CommitEnding | None:
    """The ending the driver's epoch manager recorded, if ``commit`` is cut at its R."""
    manager = driver.steered
    if not isinstance(manager, EpochManager) or not manager.endings:
        return None
    ending = manager.endings[-1]
    if ending.block.id != commit.blocks[-1].id or manager.retired is None:
        return None
    state = manager.epoch_start.state  # after R: it registers every validator of either set
    registry = {bytes(v.pubkey): i for i, v in enumerate(state.validators)}
    old = tuple(registry[bytes(pk)] for pk in manager.retired.vset.pubkeys)
    return CommitEnding(ending, old, manager.get_ending_qc(ending))


def get_commit_root_qc(driver: ConsensusDriver, ending: CommitEnding | None) -> QuorumCert:
    """The QC certifying the commit's last block."""
    qc = None if ending is None else ending.root_qc
    return qc or driver.core.tree.root_qc
