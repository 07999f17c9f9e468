"""An epoch's end as its core commits it: where the reconfiguration block R sits in a commit,
the ending recorded there (R, the suffix up to the committed block, the commit QC, the next
set), the next epoch it decides, and the QC that certifies R."""

from __future__ import annotations

from collections.abc import Iterable

from zkpov.consensus.actions import Commit
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.epochs.boundary import EpochWindow
from zkpov.consensus.epochs.checker import EpochChecker
from zkpov.consensus.epochs.proof import EpochEnding
from zkpov.consensus.epochs.starts import EpochStart, start_next_epoch
from zkpov.spec.messages import QuorumCert

__all__ = ["decide_ending", "find_ending", "get_ending_qc"]


def find_ending(window: EpochWindow, commit: Commit) -> int | None:
    """Where R is in ``commit.blocks``, if the commit reaches it."""
    return next((i for i, b in enumerate(commit.blocks) if window.is_reconfiguration(b)), None)


def decide_ending(
    commit: Commit, at: int, checker: EpochChecker | None, start: EpochStart
) -> tuple[EpochEnding, EpochStart]:
    """The core of epoch ``start`` committed R (``commit.blocks[at]``): the ending to record
    and the next epoch's start, from the chain state ``checker`` kept after R."""
    state = None if checker is None else checker.ending_state
    if state is None:
        raise RuntimeError("reconfiguration block committed without its chain state")
    block, vset = commit.blocks[at], start.vset
    next_start = start_next_epoch(block, state, vset.scheme, vset.config)
    suffix = tuple(commit.blocks[at + 1 :])
    return EpochEnding(block, suffix, commit.commit_qc, next_start.set), next_start


def get_ending_qc(ending: EpochEnding, cores: Iterable[ConsensusCore | None]) -> QuorumCert | None:
    """The QC certifying ``ending``'s R: its first suffix block carries it, else the block
    the commit QC certifies (R's child) does, if one of ``cores`` still holds it."""
    if ending.suffix:
        return ending.suffix[0].qc
    for core in cores:
        child = None if core is None else core.tree.get(ending.commit_qc.block_id)
        if child is not None and child.parent_id == ending.block.id:
            return child.qc
    return None
