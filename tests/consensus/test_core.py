"""The sans-I/O core driven by a synchronous in-test router (real BLS)."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
from pathlib import Path

import pytest

from tests.consensus.consensus_helpers import Net, Router, make_net
from zkpov.consensus.actions import (
    Broadcast,
    Commit,
    PersistSafety,
    RecordEvidence,
    ScheduleTimeout,
    SendTo,
)
from zkpov.consensus.proposals import InvalidProposal
from zkpov.spec.messages import Proposal, Timeout, Vote
from zkpov.types import Root


def drive(net: Net, router: Router, until: float, step: float = 0.001) -> None:
    for i, core in enumerate(net.cores):
        if i not in router.down:
            router.run(i, core.start(0.0), 0.0)
    t = 0.0
    while t < until:
        t += step
        for i, core in enumerate(net.cores):
            if i not in router.down:
                router.run(i, core.on_tick(t), t)


def commits(router: Router, node: int) -> list[Commit]:
    return [a for src, a in router.log if src == node and isinstance(a, Commit)]


def test_happy_path_commits_the_same_chain_everywhere() -> None:
    net = make_net(4)
    router = Router(net)
    drive(net, router, until=0.02)
    logs = [[b.id for c in commits(router, i) for b in c.blocks] for i in range(4)]
    assert len(logs[0]) >= 10
    shortest = min(len(log) for log in logs)
    assert all(log[:shortest] == logs[0][:shortest] for log in logs)
    for c in commits(router, 0):
        data = c.commit_qc.vote_data
        assert data.round == data.parent_round + 1 and data.parent_id == c.blocks[-1].id


def test_safety_data_is_persisted_before_each_vote_and_timeout_leaves() -> None:
    net = make_net(4)
    router = Router(net, down={1})
    drive(net, router, until=4.0, step=0.05)
    sent = 0
    for node in (0, 2, 3):
        persisted = None
        for src, action in router.log:
            if src != node:
                continue
            if isinstance(action, PersistSafety):
                persisted = action.data
            message = getattr(action, "message", None)
            if isinstance(message, Vote):
                assert persisted is not None and persisted.last_vote == message
                sent += 1
            if isinstance(message, Timeout) and isinstance(action, Broadcast):
                assert persisted is not None and persisted.highest_timeout_round >= message.round
    assert sent > 10


def test_timeouts_echo_at_one_third_and_form_a_tc() -> None:
    net = make_net(4, leaders={1: 3, 2: 0})
    router = Router(net, down={3})  # the round-1 leader is down
    for i in range(3):
        router.run(i, net.cores[i].start(0.0), 0.0)
    router.run(0, net.cores[0].on_tick(1.5), 1.5)  # one timeout: 10 of 40 stake, no echo yet
    assert net.cores[2].pacemaker.round == 1 and not net.cores[2].pacemaker.is_timed_out()
    router.run(1, net.cores[1].on_tick(1.5), 1.5)  # 20 of 40 > 1/3: node 2 echoes, TC forms
    assert all(net.cores[i].pacemaker.round == 2 for i in range(3))
    assert net.cores[2].htc is not None and net.cores[2].htc.round == 1
    assert net.cores[2].pacemaker.consecutive_timeouts == 1


def test_stake_weighted_quorum_needs_more_than_two_thirds_of_stake() -> None:
    net = make_net(4, stakes=[70, 10, 10, 10], leaders={1: 0, 2: 1})
    assert net.vset.quorum_power == 67
    router = Router(net, down={2, 3})
    for i in (0, 1):
        router.run(i, net.cores[i].start(0.0), 0.0)
    assert net.cores[1].tree.hqc.round == 1  # validator 0's 70% (plus 1's vote) certified round 1


def _proposal_from(net: Net, router: Router) -> Proposal:
    return next(
        a.message
        for _, a in router.log
        if isinstance(a, Broadcast) and isinstance(a.message, Proposal)
    )


def test_invalid_empty_block_is_rejected_with_evidence() -> None:
    net = make_net(4, leaders={1: 0})
    router = Router(net, down={1, 2, 3})
    router.run(0, net.cores[0].start(0.0), 0.0)
    honest = _proposal_from(net, router)
    forged = dataclasses.replace(honest.block, state_root=Root(hashlib.sha256(b"mint").digest()))
    proposal = Proposal(forged, net.scheme.sign(net.sks[0], forged.header.signing_root))
    actions = net.cores[1].on_proposal(proposal, 0.0)
    assert [a.kind for a in actions if isinstance(a, RecordEvidence)] == ["invalid_block"]
    assert not any(isinstance(a, SendTo) for a in actions)


def test_two_proposals_in_one_round_give_double_proposal_evidence() -> None:
    net = make_net(4, leaders={1: 0})
    router = Router(net, down={1, 2, 3})
    router.run(0, net.cores[0].start(0.0), 0.0)
    first = _proposal_from(net, router)
    twin = dataclasses.replace(first.block, payload=b"\x90")
    second = Proposal(twin, net.scheme.sign(net.sks[0], twin.header.signing_root))
    net.cores[1].on_proposal(first, 0.0)
    actions = net.cores[1].on_proposal(second, 0.0)
    assert [a.kind for a in actions if isinstance(a, RecordEvidence)] == ["double_proposal"]
    assert not any(isinstance(a, SendTo) for a in actions)  # no second vote


def test_repeated_proposal_is_ignored_and_the_vote_retransmitted_once_mid_round() -> None:
    net = make_net(4, leaders={1: 0, 2: 2})
    router = Router(net, down={1, 2, 3})
    router.run(0, net.cores[0].start(0.0), 0.0)
    proposal = _proposal_from(net, router)
    core = net.cores[1]
    first = core.on_proposal(proposal, 0.0)
    assert [type(a) for a in first] == [ScheduleTimeout, ScheduleTimeout, PersistSafety, SendTo]
    assert core.on_proposal(proposal, 0.0) == []
    retransmit_at = core.pacemaker.retransmit_at
    assert retransmit_at < core.pacemaker.deadline
    assert core.on_tick(retransmit_at - 0.01) == []
    assert core.on_tick(retransmit_at) == [first[-1]]  # the same vote, not persisted again
    assert core.on_tick(retransmit_at + 0.01) == []


def test_proposal_with_a_bad_signature_is_refused() -> None:
    net = make_net(4, leaders={1: 0})
    router = Router(net, down={1, 2, 3})
    router.run(0, net.cores[0].start(0.0), 0.0)
    proposal = _proposal_from(net, router)
    forged = Proposal(
        proposal.block, net.scheme.sign(net.sks[1], proposal.block.header.signing_root)
    )
    with pytest.raises(InvalidProposal, match="signature"):
        net.cores[1].on_proposal(forged, 0.0)


def test_proposal_from_a_non_leader_gets_no_vote() -> None:
    net = make_net(4, leaders={1: 1})
    core0 = net.cores[0]
    router = Router(net, down={1, 2, 3})
    net.cores[0].leaders = net.cores[1].leaders  # same schedule: leader of round 1 is 1
    router.run(1, net.cores[1].start(0.0), 0.0)
    proposal = _proposal_from(net, router)
    fake_leaders = make_net(4, leaders={1: 2}).cores[0].leaders
    core0.leaders = fake_leaders
    with pytest.raises(InvalidProposal, match="does not lead round 1"):
        core0.on_proposal(proposal, 0.0)
    assert core0.safety.data.last_vote is None and not core0.tree.has(proposal.block.id)


FORBIDDEN = {
    "asyncio", "socket", "time", "datetime", "sqlite3", "lmdb", "threading", "selectors", "os",
    "pathlib", "subprocess", "random", "io", "shutil", "tempfile", "concurrent",
}  # fmt: skip
PACKAGE = Path(__file__).parents[2] / "python/zkpov"
SANS_IO = [
    path
    for package in ("consensus", "spec", "chain")
    for path in sorted((PACKAGE / package).rglob("*.py"))
]


@pytest.mark.parametrize("path", SANS_IO, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_consensus_spec_and_chain_are_sans_io(path: Path) -> None:
    """No I/O, clock, thread or unseeded randomness in the core and the layers below it."""
    tree = ast.parse(path.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & FORBIDDEN
