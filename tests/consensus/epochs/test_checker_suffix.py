"""A commit that reaches past R (R and a suffix block, when R's child came after a timeout)
must not make the shared inner checker forget R: with carried proofs that was R's proof debt,
and every block of the next epoch then failed "parent proof debt unknown" on every node that
committed so; the devnet stall at R = 40 (all four nodes, proofs on, load 13)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.consensus.epochs import epoch_net
from tests.consensus.epochs.epoch_net import EpochNet, EpochRouter, drive, make_epoch_net
from zkpov.chain.state import Transfer
from zkpov.consensus.actions import Action
from zkpov.consensus.epochs.checker import EpochChecker
from zkpov.consensus.proof_carry import CarriedProofs
from zkpov.consensus.validity import NativeReexecution
from zkpov.spec.messages import Proposal

FAST = dataclasses.replace(epoch_net.CONFIG, timeout_base=0.05)
LAG = 8


class LateSuffix(EpochRouter):
    """Drops every proposal of the first block after epoch 0's R in the round it was first
    proposed: R's child comes a round later, so R commits together with a suffix block."""

    dropped_round: int | None = None

    def _route(self, src: int, actions: list[Action]) -> None:
        super()._route(src, [a for a in actions if not self._is_dropped(a)])

    def _is_dropped(self, action: Action) -> bool:
        message = getattr(action, "message", None)
        if not isinstance(message, Proposal):
            return False
        block = message.block
        if block.epoch != 0 or block.height != epoch_net.CONFIG.epoch_length + 1:
            return False
        if self.dropped_round is None:
            self.dropped_round = block.round
        return block.round == self.dropped_round


def make_proving_net() -> EpochNet:
    """Four validators whose inner checker is the proofs-on one (carried proofs over
    re-execution; blocks carry no transfers, so no proof is ever due)."""
    net = make_epoch_net(4, config=FAST)
    for node in range(4):
        native = NativeReexecution(net.first.root.id, net.account_state, Transfer.from_bytes)
        net.inners[node] = CarriedProofs(  # type: ignore[assignment]
            native, net.first.root, (), LAG, lambda b, p: (0, 0, 0), lambda items: True
        )
    return net


def run_late_suffix() -> EpochNet:
    net = make_proving_net()
    router = LateSuffix(net)
    drive(net, router, until=0.3)
    assert router.dropped_round is not None
    assert all(len(m.endings[0].suffix) == 1 for m in net.managers.values())  # R + a suffix
    return net


def test_a_commit_past_r_keeps_the_next_epoch_going() -> None:
    net = run_late_suffix()
    for node, manager in net.managers.items():
        assert manager.epoch >= 3, node
        assert len(net.logs[node]) >= 3 * epoch_net.CONFIG.epoch_length


def test_with_the_suffix_passed_to_the_inner_checker_every_node_stalls_at_r(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def old_on_commit(self: EpochChecker, block: object) -> None:
        if self.window.is_reconfiguration(block):  # type: ignore[arg-type]
            self.ending_state = self.chain.get(block.id)  # type: ignore[attr-defined]
        self.inner.on_commit(block)  # type: ignore[arg-type]
        self.chain.prune(block)  # type: ignore[arg-type]

    monkeypatch.setattr(EpochChecker, "on_commit", old_on_commit)
    net = run_late_suffix()
    r_height = epoch_net.CONFIG.epoch_length
    assert all(m.epoch == 1 for m in net.managers.values())
    assert all(len(net.logs[node]) == r_height for node in net.managers)
