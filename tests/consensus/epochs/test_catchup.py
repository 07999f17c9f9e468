"""Catching up with an epoch others left: proofs from one peer cost at most one signature check
per epoch (a flood of them is cheap), answers and requests are rate-limited per peer, and a
verified proof whose ending block is missing fetches it from the peer that sent it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.consensus.epochs.epoch_net import EpochNet, EpochRouter, drive, make_epoch_net
from zkpov.consensus.actions import SendTo
from zkpov.consensus.epochs import catchup as catchup_module
from zkpov.consensus.epochs import manager as manager_module
from zkpov.consensus.epochs.catchup import MAX_ANSWERED_PEERS, PeerEpochs, ProofAnswers
from zkpov.consensus.epochs.proof import EpochChangeProof, EpochChangeRequest
from zkpov.spec.messages import BlockRequest
from zkpov.types import Epoch

FLOOD = 200


@pytest.fixture(scope="module")
def ended() -> EpochNet:
    net = make_epoch_net(4)
    drive(net, EpochRouter(net), until=0.02)
    return net


def count_checks(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    real = manager_module.verify_epoch_change_proof

    def counting(*args: Any) -> Any:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(manager_module, "verify_epoch_change_proof", counting)
    return calls


def test_a_lagging_validator_fetches_the_ending_block_from_the_prover(ended: EpochNet) -> None:
    fresh = make_epoch_net(4)  # the same genesis, still in epoch 0 with nothing received
    fresh.boot(2)
    proof = EpochChangeProof((ended.managers[0].endings[0],))
    actions = fresh.managers[2].on_message(proof, 1, 0.5)
    requests = [a for a in actions if isinstance(a, SendTo)]
    assert requests and all(a.to == 1 and isinstance(a.message, BlockRequest) for a in requests)
    assert fresh.managers[2].pending_ending == proof.endings[0]


def test_a_flood_of_proofs_from_one_peer_costs_one_check_per_epoch(
    ended: EpochNet, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_checks(monkeypatch)
    fresh = make_epoch_net(4)
    fresh.boot(2)
    proof = EpochChangeProof((ended.managers[0].endings[0],))
    for _ in range(FLOOD):
        fresh.managers[2].on_message(proof, 1, 0.5)
    assert len(calls) == 1
    fresh.managers[2].on_message(proof, 3, 0.5)
    assert len(calls) == 2  # another peer is still heard


def test_without_the_limit_every_proof_is_checked(
    ended: EpochNet, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_checks(monkeypatch)
    monkeypatch.setattr(PeerEpochs, "is_new", lambda self, peer, epoch: True)
    fresh = make_epoch_net(4)
    fresh.boot(2)
    proof = EpochChangeProof((ended.managers[0].endings[0],))
    for _ in range(FLOOD):
        fresh.managers[2].on_message(proof, 1, 0.5)
    assert len(calls) == FLOOD


def test_requests_for_an_old_epoch_are_answered_once_per_interval(ended: EpochNet) -> None:
    manager = ended.managers[0]
    first = manager.on_message(EpochChangeRequest(Epoch(0)), 1, 100.0)
    assert len(first) == 1 and isinstance(first[0].message, EpochChangeProof)  # type: ignore[union-attr]
    assert manager.on_message(EpochChangeRequest(Epoch(0)), 1, 100.1) == []
    assert manager.on_message(EpochChangeRequest(manager.epoch), 2, 100.1) == []  # not past


def test_the_peer_tables_are_capped() -> None:
    answers, epochs = ProofAnswers(1.0), PeerEpochs()
    for peer in range(MAX_ANSWERED_PEERS * 3):
        answers.is_due(peer, 0.0)
        epochs.is_new(peer, Epoch(0))
    assert len(answers.last) <= MAX_ANSWERED_PEERS and len(epochs.last) <= MAX_ANSWERED_PEERS
    assert catchup_module.MAX_ANSWERED_PEERS == MAX_ANSWERED_PEERS


def test_a_repeated_proof_fetches_the_ending_block_again_without_a_new_check(
    ended: EpochNet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once its fetch of R ran out unanswered, a lagging validator asks again when the peer
    repeats the proof (before, a peer's repeat was ignored for the epoch: with every peer's
    fetch run out, nothing asked for R again and the validator stayed behind for good)."""
    calls = count_checks(monkeypatch)
    fresh = make_epoch_net(4)
    fresh.boot(2)
    manager = fresh.managers[2]
    proof = EpochChangeProof((ended.managers[0].endings[0],))
    assert get_block_requests(manager.on_message(proof, 1, 0.5))
    now = 0.5
    while manager.core is not None and manager.core.sync.requests:  # unanswered, it runs out
        now += 1.0
        manager.on_tick(now)
    again = get_block_requests(manager.on_message(proof, 1, now))
    assert again and all(a.to == 1 for a in again)
    assert len(calls) == 1  # no second signature check


def get_block_requests(actions: list[Any]) -> list[SendTo]:
    return [a for a in actions if isinstance(a, SendTo) and isinstance(a.message, BlockRequest)]
