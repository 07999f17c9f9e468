"""The pure checks on what the core takes in: stale blocks, the round window, insertable blocks."""

from __future__ import annotations

import dataclasses

import pytest

from tests.consensus.consensus_helpers import Net, Router, make_net
from tests.consensus.test_core import drive
from zkpov.consensus import limits
from zkpov.consensus.acceptance import is_in_window, is_insertable_proposal, is_stale
from zkpov.consensus.core import ConsensusCore
from zkpov.spec.messages import Block
from zkpov.types import Height, Round, ValidatorIndex


def _running_core() -> tuple[Net, ConsensusCore]:
    net = make_net(4, scheme="insecure-hash")
    drive(net, Router(net), until=0.01)
    return net, net.cores[0]


def _tip(core: ConsensusCore) -> Block:
    """The highest block above the root (its parent is extendable)."""
    return max(core.tree.blocks.values(), key=lambda b: b.height)


def test_the_window_ends_future_round_window_rounds_ahead() -> None:
    window = limits.FUTURE_ROUND_WINDOW
    assert is_in_window(Round(7 + window), Round(7))
    assert not is_in_window(Round(8 + window), Round(7))
    assert is_in_window(Round(0), Round(7))


def test_blocks_at_the_root_or_with_a_qc_below_it_are_stale() -> None:
    _, core = _running_core()
    tip, root = _tip(core), core.tree.root
    assert tip.height > root.height and not is_stale(core.tree, tip)
    assert is_stale(core.tree, dataclasses.replace(tip, height=root.height))
    old_data = dataclasses.replace(tip.qc.vote_data, round=Round(root.round - 1))
    old_qc = dataclasses.replace(tip.qc, vote_data=old_data)
    assert is_stale(core.tree, dataclasses.replace(tip, qc=old_qc))


def test_a_block_extending_a_committed_ancestor_is_stale() -> None:
    _, core = _running_core()
    below = next(b for b in core.tree.blocks.values() if b.height < core.tree.root.height)
    fork = dataclasses.replace(_tip(core), parent_id=below.id)
    assert is_stale(core.tree, fork)


def test_the_leaders_block_is_insertable_until_it_has_too_many_twins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, core = _running_core()
    tip = _tip(core)
    assert is_insertable_proposal(core.tree, core.leaders, tip)  # one twin: itself
    monkeypatch.setattr(limits, "MAX_BLOCKS_PER_LEADER_ROUND", 1)
    assert not is_insertable_proposal(core.tree, core.leaders, tip)


def test_a_block_by_another_proposer_or_out_of_line_is_not_insertable() -> None:
    _, core = _running_core()
    tip, tree, leaders = _tip(core), core.tree, core.leaders
    parent = tree.blocks[tip.parent_id]
    other = ValidatorIndex((tip.proposer + 1) % 4)
    assert not is_insertable_proposal(tree, leaders, dataclasses.replace(tip, proposer=other))
    early = dataclasses.replace(tip, timestamp_ms=parent.timestamp_ms)
    assert not is_insertable_proposal(tree, leaders, early)
    gap = dataclasses.replace(tip, height=Height(tip.height + 1))
    assert not is_insertable_proposal(tree, leaders, gap)
