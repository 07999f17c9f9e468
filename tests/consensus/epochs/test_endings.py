"""Where a commit reaches an epoch's reconfiguration block R, and the QC that certifies R."""

from __future__ import annotations

import dataclasses

import pytest

from tests.consensus.epochs.epoch_net import EpochNet, make_rotated_net
from zkpov.consensus.actions import Commit
from zkpov.consensus.epochs.endings import find_ending, get_ending_qc


@pytest.fixture(scope="module")
def net() -> EpochNet:
    return make_rotated_net()


def test_a_commit_reaching_r_is_cut_there_and_one_before_it_is_not(net: EpochNet) -> None:
    ending, window = net.managers[0].endings[0], net.first.window
    before = tuple(b for b in net.logs[0] if b.height < ending.block.height)
    assert find_ending(window, Commit((*before, ending.block), ending.commit_qc)) == len(before)
    assert find_ending(window, Commit(before, ending.commit_qc)) is None
    next_epoch = dataclasses.replace(ending.block, epoch=ending.block.epoch + 1)
    assert find_ending(window, Commit((*before, next_epoch), ending.commit_qc)) is None


def test_the_qc_of_r_comes_from_the_suffix_or_from_a_core_that_holds_r_s_child(
    net: EpochNet,
) -> None:
    manager = net.managers[0]
    last, first = manager.endings[-1], manager.endings[0]
    cores = (manager.retired, manager.core)
    qc = get_ending_qc(last, cores)  # the retired core of the last epoch holds R's child
    assert qc is not None and qc.block_id == last.block.id
    assert manager.retired is not None
    child = manager.retired.tree.get(last.commit_qc.block_id)
    assert child is not None and child.parent_id == last.block.id
    assert get_ending_qc(dataclasses.replace(first, suffix=(child,)), ()) == child.qc
    assert get_ending_qc(first, cores) is None  # no core holds an old epoch's blocks
    assert get_ending_qc(last, (None,)) is None
