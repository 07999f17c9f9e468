"""Validators across epochs: they switch together at reconfiguration blocks, a leaving validator
stops signing and a joining one starts at the boundary, fresh safety data is persisted before
any vote of an epoch, and a crash during the switch never makes a validator vote in an old
epoch."""

from __future__ import annotations

import pytest

from tests.consensus.epochs.epoch_net import (
    CONFIG,
    EpochNet,
    EpochRouter,
    drive,
    make_epoch_net,
    tick,
)
from zkpov.consensus.actions import Action, Broadcast, PersistSafety, SendTo
from zkpov.spec.encoding import get_bitfield_indices
from zkpov.spec.messages import Block, Proposal, Timeout, Vote

L = CONFIG.epoch_length


def signed_epochs(router: EpochRouter, node: int) -> list[tuple[str, int]]:
    """(kind, epoch) of every vote, timeout and proposal ``node`` sent, in order."""
    out = []
    for src, action in router.log:
        if src != node or not isinstance(action, SendTo | Broadcast):
            continue
        message = action.message
        if isinstance(message, Vote) and message.voter is not None:
            out.append(("vote", message.vote_data.epoch))
        elif isinstance(message, Timeout):
            out.append(("timeout", message.epoch))
        elif isinstance(message, Proposal):
            out.append(("proposal", message.block.epoch))
    return out


def common_prefix(net: EpochNet, nodes: list[int]) -> list[Block]:
    logs = [net.logs[n] for n in nodes]
    shortest = min(len(log) for log in logs)
    for log in logs:
        assert [b.id for b in log[:shortest]] == [b.id for b in logs[0][:shortest]]
    return logs[0][:shortest]


@pytest.fixture(scope="module")
def rotated() -> tuple[EpochNet, EpochRouter]:
    """Validator 3 leaves at the first boundary, validator 4 (pending at genesis) joins."""
    net = make_epoch_net(4, pending=1, exiting=(3,))
    router = EpochRouter(net)
    drive(net, router, until=0.06)
    return net, router


def test_every_validator_switches_epochs_at_the_same_blocks(rotated: tuple) -> None:
    net, _ = rotated
    log = common_prefix(net, list(range(5)))
    assert len(log) >= 3 * L and min(m.epoch for m in net.managers.values()) >= 3
    for block in log:  # the log's epoch changes only after each reconfiguration block
        assert block.epoch == (block.height - 1) // L
        assert bool(block.next_validator_set_commitment) == (block.height % L == 0)


def test_the_next_epoch_runs_the_set_its_reconfiguration_block_named(rotated: tuple) -> None:
    net, _ = rotated
    log = net.logs[0]
    checked = 0
    for ending in net.managers[0].endings:
        first_after = next((b for b in log if b.height == ending.block.height + 1), None)
        if first_after is None:  # the epoch just started
            continue
        checked += 1
        assert first_after.validator_set_commitment == ending.block.next_validator_set_commitment
        assert ending.next_set.commitment == ending.block.next_validator_set_commitment
    assert checked >= 2
    assert net.managers[0].endings[0].next_set.members == (0, 1, 2, 4)


def test_a_leaving_validator_stops_and_a_joining_one_starts_at_the_boundary(
    rotated: tuple,
) -> None:
    net, router = rotated
    assert {epoch for _, epoch in signed_epochs(router, 3)} == {0}
    joined = signed_epochs(router, 4)
    assert joined and all(epoch >= 1 for _, epoch in joined)
    in_qcs = [
        b for b in net.logs[0] if b.epoch >= 1 and 3 in get_bitfield_indices(b.qc.signers, 4)
    ]  # validator 4 is consensus index 3 from epoch 1 on: its votes are in certificates
    assert in_qcs


def test_fresh_safety_data_is_persisted_before_any_signature_of_an_epoch(rotated: tuple) -> None:
    _, router = rotated
    for node in range(5):
        persisted_epoch = -1
        for src, action in router.log:
            if src != node:
                continue
            if isinstance(action, PersistSafety):
                assert action.data.epoch >= persisted_epoch  # never goes backwards
                persisted_epoch = action.data.epoch
            for kind, epoch in _signed(action, node):
                assert epoch == persisted_epoch, f"{node} sent a {kind} of epoch {epoch}"


def _signed(action: Action, node: int) -> list[tuple[str, int]]:
    if not isinstance(action, SendTo | Broadcast):
        return []
    message = action.message
    if isinstance(message, Vote):
        return [("vote", message.vote_data.epoch)]
    if isinstance(message, Timeout):
        return [("timeout", message.epoch)]
    if isinstance(message, Proposal) and message.block.proposer is not None:
        return [("proposal", message.block.epoch)]
    return []


class CrashAtSwitch(EpochRouter):
    """Validator ``victim`` dies just before it persists its first safety data of ``epoch``."""

    def __init__(self, net: EpochNet, victim: int, epoch: int) -> None:
        super().__init__(net)
        self.victim, self.epoch, self.crashed_at_log = victim, epoch, -1

    def crash_before(self, src: int, action: Action) -> bool:
        hit = (
            src == self.victim
            and self.crashed_at_log < 0
            and isinstance(action, PersistSafety)
            and action.data.epoch == self.epoch
        )
        if hit:
            self.crashed_at_log = len(self.log)
        return hit


def restart(net: EpochNet, router: EpochRouter, node: int, now: float) -> None:
    net.down.discard(node)
    router.restart(node)
    router.run(node, net.boot(node, now), now)


def test_a_crash_mid_switch_never_votes_again_in_the_old_epoch() -> None:
    net = make_epoch_net(4)
    router = CrashAtSwitch(net, victim=2, epoch=1)
    t = drive(net, router, until=0.001)
    while router.crashed_at_log < 0:
        t = tick(net, router, t, t + 0.001, 0.001)
    assert 2 in net.down
    assert net.logs[2][-1].height == L  # the reconfiguration block was committed, then the crash
    after = len(router.log)
    restart(net, router, 2, t)
    tick(net, router, t, t + 0.04, 0.001)
    mine = [a for src, a in router.log[after:] if src == 2]
    assert isinstance(mine[0], PersistSafety) and mine[0].data.epoch >= 1
    assert all(epoch >= 1 for _, epoch in _all_signed(mine, 2))
    assert any(kind == "vote" for kind, _ in _all_signed(mine, 2))
    common_prefix(net, [0, 1, 2, 3])
    assert net.managers[2].epoch >= 2


def _all_signed(actions: list[Action], node: int) -> list[tuple[str, int]]:
    return [s for a in actions for s in _signed(a, node)]


def test_a_validator_that_missed_the_switch_catches_up_from_the_proof() -> None:
    """Down just before committing the reconfiguration block while the others switch: back
    up, it fetches the ending from a peer's retired core and switches on the proof."""
    net = make_epoch_net(4)

    class CrashBeforeEnding(EpochRouter):
        crashed = False

        def crash_before(self, src: int, action: Action) -> bool:
            hit = not self.crashed and src == 2 and _is_ending_commit(action)
            self.crashed = self.crashed or hit
            return hit

    router = CrashBeforeEnding(net)
    t = drive(net, router, until=0.001)
    while 2 not in net.down:
        t = tick(net, router, t, t + 0.001, 0.001)
    assert net.logs[2][-1].height < L
    while min(net.managers[n].epoch for n in (0, 1, 3)) < 1:
        t = tick(net, router, t, t + 0.001, 0.001)
    restart(net, router, 2, t)  # next-epoch messages make it ask a peer how epoch 0 ended
    tick(net, router, t, t + 0.04, 0.001)
    assert net.managers[2].epoch >= 2
    common_prefix(net, [0, 1, 2, 3])


def _is_ending_commit(action: Action) -> bool:
    from zkpov.consensus.actions import Commit

    return isinstance(action, Commit) and any(b.height == L for b in action.blocks)
