"""The shared action interpreter: list order, and nothing we signed leaves before it persists."""

from __future__ import annotations

import pytest

from zkpov.consensus.actions import (
    Action,
    Broadcast,
    Commit,
    PersistSafety,
    RecordEvidence,
    ScheduleTimeout,
    SendTo,
)
from zkpov.consensus.interpreter import ActionInterpreter, UnsafeSend, is_covered
from zkpov.spec.messages import QuorumCert, Timeout, Vote, VoteData
from zkpov.spec.safety_data import SafetyData
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex

OWN, OTHER = ValidatorIndex(1), ValidatorIndex(2)
SIG = b"\x22" * 96


def vote(voter: int, round_: int = 5, epoch: int = 0) -> Vote:
    data = VoteData(
        Epoch(epoch), Round(round_), BlockId(b"b" * 32), Round(round_ - 1), BlockId(b"p" * 32)
    )
    return Vote(data, ValidatorIndex(voter), SIG)


def timeout(signer: int, round_: int = 6) -> Timeout:
    qc = QuorumCert(vote(0, 4).vote_data, b"\x0f", SIG)
    return Timeout(Epoch(0), Round(round_), qc, ValidatorIndex(signer), SIG)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def persist_safety(self, data: SafetyData) -> None:
        self.calls.append(("persist", data))

    def send(self, to: ValidatorIndex, message: object) -> None:
        self.calls.append(("send", message))

    def broadcast(self, message: object) -> None:
        self.calls.append(("broadcast", message))

    def schedule_timeout(self, action: ScheduleTimeout) -> None:
        self.calls.append(("timer", action))

    def commit(self, action: Commit) -> None:
        self.calls.append(("commit", action))

    def record_evidence(self, action: RecordEvidence) -> None:
        self.calls.append(("evidence", action))


def test_actions_run_in_list_order_through_the_sink() -> None:
    sink = Recorder()
    data = SafetyData(Epoch(0), last_voted_round=Round(5))
    timer = ScheduleTimeout(Round(5), 1.0)
    evidence = RecordEvidence("double_vote", OTHER, b"e")
    actions: list[Action] = [PersistSafety(data), SendTo(OTHER, vote(OWN)), timer, evidence]
    ActionInterpreter(OWN, sink).execute(actions)
    assert [kind for kind, _ in sink.calls] == ["persist", "send", "timer", "evidence"]


def test_an_own_vote_without_persisted_safety_data_never_reaches_the_sink() -> None:
    sink = Recorder()
    with pytest.raises(UnsafeSend):
        ActionInterpreter(OWN, sink).execute([SendTo(OTHER, vote(OWN))])
    assert sink.calls == []


def test_an_own_timeout_needs_its_round_persisted() -> None:
    sink = Recorder()
    interpreter = ActionInterpreter(OWN, sink, SafetyData(Epoch(0), highest_timeout_round=Round(5)))
    with pytest.raises(UnsafeSend):
        interpreter.execute([Broadcast(timeout(OWN, 6))])
    interpreter.execute([PersistSafety(SafetyData(Epoch(0), highest_timeout_round=Round(6)))])
    interpreter.execute([Broadcast(timeout(OWN, 6))])
    assert sink.calls[-1] == ("broadcast", timeout(OWN, 6))


def test_what_others_signed_and_stored_votes_may_leave() -> None:
    stored = SafetyData(Epoch(0), last_voted_round=Round(5))
    assert is_covered(vote(OTHER, 9), OWN, None)
    assert is_covered(vote(OWN, 5), OWN, stored)  # a restarted core resends its stored vote
    assert not is_covered(vote(OWN, 6), OWN, stored)
    assert not is_covered(vote(OWN, 1, epoch=1), OWN, stored)  # a later epoch is not covered


def test_under_epochs_our_vote_is_recognised_by_its_epochs_index() -> None:
    """We are index 1 in epoch 0 and index 0 in epoch 1 (someone before us left): a vote of
    epoch 1 by index 0 is ours and needs epoch 1's safety data; by index 1 it is not ours."""
    own = {Epoch(0): ValidatorIndex(1), Epoch(1): ValidatorIndex(0)}.get
    persisted = SafetyData(Epoch(0), last_voted_round=Round(9))
    assert not is_covered(vote(0, 5, epoch=1), own, persisted)
    assert is_covered(vote(1, 5, epoch=1), own, persisted)
    assert is_covered(vote(1, 5, epoch=0), own, persisted)
    interpreter = ActionInterpreter(own, Recorder(), persisted)
    with pytest.raises(UnsafeSend):
        interpreter.execute([Broadcast(vote(0, 5, epoch=1))])
    interpreter.execute([PersistSafety(SafetyData(Epoch(1), last_voted_round=Round(5)))])
    interpreter.execute([Broadcast(vote(0, 5, epoch=1))])
