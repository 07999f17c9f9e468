"""Voters judge the epoch's ending: a leader that names a wrong next set, or puts a body in a
block after the reconfiguration block, gets no honest vote. Each test also shows the attack
bites with the check switched off."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from tests.consensus.epochs.epoch_net import CONFIG, EpochNet, EpochRouter, drive, make_epoch_net
from zkpov.chain.state import sign_transfer
from zkpov.consensus.actions import Broadcast, SendTo
from zkpov.consensus.epochs import checker as checker_module
from zkpov.consensus.epochs.checker import EpochChecker
from zkpov.crypto import schnorr
from zkpov.spec.codec.payload import encode_payload
from zkpov.spec.messages import Block, Proposal, Vote

L = CONFIG.epoch_length
ALICE = schnorr.generate_keypair()
BOB = schnorr.generate_keypair()
LIE = b"\x01" * 32

Sealer = Callable[[EpochChecker, Block, Block], Block]


def lying_sealer(honest: Sealer) -> Sealer:
    """Every leader names a made-up next set in its reconfiguration blocks."""

    def seal(self: EpochChecker, block: Block, parent: Block) -> Block:
        sealed = honest(self, block, parent)
        if not self.window.is_reconfiguration(sealed):
            return sealed
        return dataclasses.replace(sealed, next_validator_set_commitment=LIE)

    return seal


def paying_sealer(honest: Sealer) -> Sealer:
    """Every leader puts a valid transfer in the blocks after the reconfiguration block."""

    def seal(self: EpochChecker, block: Block, parent: Block) -> Block:
        sealed = honest(self, block, parent)
        if not self.window.is_suffix(sealed):
            return sealed
        nonce = self.inner.states[parent.id].get_account(1).nonce + 1  # type: ignore[attr-defined]
        transfer = sign_transfer(ALICE.secret_key, 1, 2, BOB.public_key, 5, nonce)
        payload = encode_payload([transfer.to_bytes()])
        root = self.inner.compute_post_root(parent, payload)
        return dataclasses.replace(sealed, payload=payload, state_root=root)

    return seal


def run(
    monkeypatch: pytest.MonkeyPatch, sealer: Callable[[Sealer], Sealer]
) -> tuple[EpochNet, EpochRouter]:
    monkeypatch.setattr(EpochChecker, "seal", sealer(EpochChecker.seal))
    net = make_epoch_net(4, funded=((1, ALICE.public_key, 100),))
    router = EpochRouter(net)
    drive(net, router, until=0.03)
    return net, router


def voted_blocks(router: EpochRouter) -> list[Block]:
    proposed = {
        a.message.block.id: a.message.block
        for _, a in router.log
        if isinstance(a, Broadcast) and isinstance(a.message, Proposal)
    }
    votes = [
        a.message for _, a in router.log if isinstance(a, SendTo) and isinstance(a.message, Vote)
    ]
    return [proposed[v.vote_data.block_id] for v in votes if v.vote_data.block_id in proposed]


def test_a_wrong_next_set_gets_no_vote(monkeypatch: pytest.MonkeyPatch) -> None:
    net, router = run(monkeypatch, lying_sealer)
    assert not [b for b in voted_blocks(router) if b.next_validator_set_commitment == LIE]
    assert all(m.epoch == 0 for m in net.managers.values())


def test_without_the_check_a_wrong_next_set_is_certified(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checker_module, "check_next_set", lambda block, expected: None)
    net, _ = run(monkeypatch, lying_sealer)
    assert [b for b in net.logs[0] if b.next_validator_set_commitment == LIE]


def test_a_body_after_the_reconfiguration_block_gets_no_vote(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    net, router = run(monkeypatch, paying_sealer)
    suffix_votes = [b for b in voted_blocks(router) if b.height > L and b.epoch == 0]
    assert suffix_votes == []
    assert any(b.height > L and b.payload for _, a in router.log for b in _proposed(a))
    assert all(m.epoch == 0 for m in net.managers.values())


def test_without_the_check_a_body_after_the_end_is_voted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checker_module, "check_epoch_block", lambda block, parent, window: None)
    _, router = run(monkeypatch, paying_sealer)
    assert [b for b in voted_blocks(router) if b.height > L and b.epoch == 0 and b.payload]


def _proposed(action: object) -> list[Block]:
    if isinstance(action, Broadcast) and isinstance(action.message, Proposal):
        return [action.message.block]
    return []


def test_speculative_states_stay_bounded_by_the_uncommitted_tree() -> None:
    net = make_epoch_net(4)
    drive(net, EpochRouter(net), until=0.05)
    for manager in net.managers.values():
        assert manager.epoch >= 5
        assert manager.checker is not None and len(manager.checker.chain) <= 4
