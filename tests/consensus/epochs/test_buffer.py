"""Next-epoch messages are held briefly and bounded per sender and overall: a flood from one
peer cannot push out another's, and without the per-peer bound it does."""

from __future__ import annotations

import pytest

from tests.consensus.epochs.epoch_net import EpochNet, make_epoch_net
from zkpov.consensus.actions import SendTo
from zkpov.consensus.epochs import buffer as buffer_module
from zkpov.consensus.epochs.buffer import (
    FUTURE_HOLD_SECONDS,
    MAX_FUTURE_PER_PEER,
    MAX_FUTURE_TOTAL,
)
from zkpov.consensus.epochs.manager import EpochManager
from zkpov.consensus.epochs.proof import EpochChangeRequest
from zkpov.spec.messages import Vote, VoteData
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex

FLOOD = 10_000


def future_vote(epoch: int, voter: int, round_: int) -> Vote:
    zero = BlockId(bytes(32))
    data = VoteData(Epoch(epoch), Round(round_), zero, Round(round_ - 1), zero)
    return Vote(data, ValidatorIndex(voter), b"\x00" * 96)


def booted() -> tuple[EpochNet, EpochManager]:
    net = make_epoch_net(4)
    net.boot(0)
    return net, net.managers[0]


def flood(manager: EpochManager, sender: int, epoch: int = 1) -> None:
    for r in range(1, FLOOD + 1):
        manager.on_message(future_vote(epoch, sender, r), sender, 0.5)


def test_a_flood_of_next_epoch_messages_fills_only_its_senders_quota() -> None:
    _, manager = booted()
    flood(manager, sender=1)
    assert len(manager.buffer) == MAX_FUTURE_PER_PEER
    assert manager.buffer.refused == FLOOD - MAX_FUTURE_PER_PEER
    manager.on_message(future_vote(1, 2, 1), 2, 0.5)
    assert len(manager.buffer) == MAX_FUTURE_PER_PEER + 1  # another peer is still heard


def test_without_the_per_peer_bound_one_flood_shuts_out_everyone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(buffer_module, "MAX_FUTURE_PER_PEER", 10**9)
    _, manager = booted()
    flood(manager, sender=1)
    assert len(manager.buffer) == MAX_FUTURE_TOTAL
    manager.on_message(future_vote(1, 2, 1), 2, 0.5)
    assert len(manager.buffer) == MAX_FUTURE_TOTAL  # peer 2's message found no room


def test_without_any_bound_the_flood_is_kept_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(buffer_module, "MAX_FUTURE_PER_PEER", 10**9)
    monkeypatch.setattr(buffer_module, "MAX_FUTURE_TOTAL", 10**9)
    _, manager = booted()
    flood(manager, sender=1)
    assert len(manager.buffer) == FLOOD


def test_later_epochs_are_not_held_and_held_messages_expire() -> None:
    _, manager = booted()
    flood(manager, sender=1, epoch=2)
    assert len(manager.buffer) == 0
    manager.on_message(future_vote(1, 1, 1), 1, 0.5)
    assert len(manager.buffer) == 1
    manager.on_message(future_vote(1, 2, 1), 2, 0.5 + FUTURE_HOLD_SECONDS + 1)
    assert len(manager.buffer) == 1  # the stale one gave its place back
    assert manager.buffer.take(Epoch(1), 0.5 + 2 * FUTURE_HOLD_SECONDS + 2) == []


def test_a_future_epoch_asks_its_sender_how_ours_ended_at_most_once_per_interval() -> None:
    _, manager = booted()
    first = manager.on_message(future_vote(1, 1, 1), 1, 0.5)
    assert first == [SendTo(ValidatorIndex(1), EpochChangeRequest(Epoch(0)))]  # type: ignore[arg-type]
    assert manager.on_message(future_vote(1, 1, 2), 1, 0.6) == []
