"""CommitTracker: the best commit QC, a sync request while the path is missing, then the commit."""

from __future__ import annotations

from tests.consensus.consensus_helpers import Net, Router, make_core, make_net
from tests.consensus.test_core import commits, drive
from zkpov.consensus.actions import Broadcast, Commit, SendTo
from zkpov.consensus.leader import FixedLeaders
from zkpov.spec.messages import Block, BlockRequest, Proposal
from zkpov.types import BlockId


class Recorder:
    def __init__(self) -> None:
        self.seen: list[BlockId] = []

    def on_commit(self, block: Block) -> None:
        self.seen.append(block.id)


def _proposed(router: Router, block_id: BlockId) -> Block:
    return next(
        a.message.block
        for _, a in router.log
        if isinstance(a, Broadcast)
        and isinstance(a.message, Proposal)
        and a.message.block.id == block_id
    )


def _first_commit() -> tuple[Net, Router, Commit]:
    net = make_net(4, scheme="insecure-hash")
    router = Router(net)
    drive(net, router, until=0.01)
    return net, router, commits(router, 0)[0]


def test_a_commit_qc_without_its_blocks_asks_sync_then_commits_once_they_arrive() -> None:
    net, router, commit = _first_commit()
    fresh = make_core(net, 1, FixedLeaders({}, 4))
    tracker, recorder = fresh.commits, Recorder()
    assert tracker.observe(commit.commit_qc) and tracker.best_qc == commit.commit_qc
    asked = tracker.try_commit(0.0, (recorder,))
    assert asked and all(isinstance(a, SendTo) for a in asked)
    assert all(isinstance(a.message, BlockRequest) for a in asked if isinstance(a, SendTo))
    assert recorder.seen == []
    for block in [*commit.blocks, _proposed(router, commit.commit_qc.block_id)]:
        fresh.tree.insert(block)
    assert tracker.try_commit(0.0, (recorder,)) == [Commit(commit.blocks, commit.commit_qc)]
    assert recorder.seen == [b.id for b in commit.blocks]
    assert fresh.tree.root == commit.blocks[-1]
    assert tracker.try_commit(0.0, (recorder,)) == []  # committed: nothing left above the root


def test_a_qc_that_commits_nothing_is_observed_but_not_kept() -> None:
    net, _, commit = _first_commit()
    fresh = make_core(net, 1, FixedLeaders({}, 4))
    assert not fresh.commits.observe(net.genesis_qc)
    assert fresh.commits.best_qc is None
    assert fresh.commits.try_commit(0.0, ()) == []
    fresh.commits.observe(commit.commit_qc)
    assert fresh.tree.hqc == commit.commit_qc
