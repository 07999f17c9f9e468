"""The driver around a fake core: own messages come back as input after ``before_send``, input
from the wrong peer is refused, and a failing core is replaced by a fresh one."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from zkpov.consensus.actions import (
    Action,
    Broadcast,
    Commit,
    PersistSafety,
    ScheduleTimeout,
    SendTo,
)
from zkpov.consensus.dispatch import SenderMismatch
from zkpov.consensus.interpreter import UnsafeSend
from zkpov.consensus.quorum import InvalidVote
from zkpov.crypto import bls
from zkpov.errors import DecodeError
from zkpov.node.consensus_io.driver import SELF_DELIVERIES_PER_STEP, ConsensusDriver, DriverHooks
from zkpov.node.consensus_io.input_guard import LOG_BURST
from zkpov.node.consensus_io.slashing_guard import SlashingGuard
from zkpov.node.state.committed_chain import CommitOrderError
from zkpov.spec.codec.epochs import encode_consensus
from zkpov.spec.codec.messages import encode_message
from zkpov.spec.epochs import EpochChangeRequest
from zkpov.spec.messages import (
    Block,
    BlockRequest,
    Message,
    Proposal,
    QuorumCert,
    Timeout,
    Vote,
    VoteData,
)
from zkpov.spec.safety_data import SafetyData
from zkpov.storage.slashing_db import SignedKind, SlashingDB
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

OWN = ValidatorIndex(1)
SIG = b"\x11" * 96
# Safety data that covers every own message below (the interpreter refuses any it does not).
COVERED = PersistSafety(
    SafetyData(Epoch(0), Round(99), Round(0), Round(0), None, Round(99), Round(99))
)


def make_vote(voter: int, round_: int = 5, block: bytes = b"b") -> Vote:
    data = VoteData(
        Epoch(0), Round(round_), BlockId(block * 32), Round(round_ - 1), BlockId(b"p" * 32)
    )
    return Vote(data, ValidatorIndex(voter), SIG)


def make_qc() -> QuorumCert:
    return QuorumCert(make_vote(0, 4).vote_data, b"\x0f", SIG)


def make_timeout(signer: int) -> Timeout:
    return Timeout(Epoch(0), Round(6), make_qc(), ValidatorIndex(signer), SIG)


def make_proposal(proposer: int) -> Proposal:
    block = Block(
        Epoch(0), Round(6), Height(3), BlockId(b"p" * 32), ValidatorIndex(proposer),
        Root(b"r" * 32), make_qc(), randao_reveal=SIG,
    )  # fmt: skip
    return Proposal(block, SIG)


@dataclass
class FakeCore:
    """Records what reaches it; ``error`` is raised by its message handlers."""

    index: ValidatorIndex = OWN
    reply: list[Action] = field(default_factory=list)  # returned for every message
    error: Exception | None = None
    received: list[Message] = field(default_factory=list)
    started: int = 0

    def start(self, now: float) -> list[Action]:
        self.started += 1
        return [ScheduleTimeout(Round(1), now + 1.0)]

    def on_tick(self, now: float) -> list[Action]:
        return []

    def _on(self, message: Message, *_: Any) -> list[Action]:
        if self.error is not None:
            raise self.error
        self.received.append(message)
        return list(self.reply)

    on_vote = on_proposal = on_timeout = on_block_request = on_block_response = _on


@dataclass
class Outbox:
    sent: list[tuple[ValidatorIndex, bytes]] = field(default_factory=list)
    broadcasts: list[bytes] = field(default_factory=list)

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None:
        self.sent.append((to, payload))

    def broadcast(self, payload: bytes) -> None:
        self.broadcasts.append(payload)


@dataclass
class Store:
    saved: list[SafetyData] = field(default_factory=list)

    def save(self, data: SafetyData) -> None:
        self.saved.append(data)

    def load(self) -> SafetyData | None:
        return self.saved[-1] if self.saved else None


def make_driver(core: FakeCore, hooks: DriverHooks | None = None, **kw: Any) -> ConsensusDriver:
    driver = ConsensusDriver(core, Outbox(), Store(), hooks or DriverHooks(), **kw)  # type: ignore[arg-type]
    driver.clock = lambda: 100.0
    return driver


# -- messages to ourselves ----------------------------------------------------------------------


def test_own_vote_is_persisted_checked_by_before_send_then_fed_to_own_core() -> None:
    core, events = FakeCore(), []
    vote = make_vote(OWN)
    hooks = DriverHooks(before_send=lambda m: events.append(("guard", m)) is None)
    driver = make_driver(core, hooks)
    driver.safety_store.save = lambda d: events.append(("persist", d))  # type: ignore[method-assign]
    data = SafetyData(Epoch(0), last_voted_round=Round(5))
    driver.execute([PersistSafety(data), SendTo(OWN, vote)])
    assert events == [("persist", data), ("guard", vote)]
    assert core.received == [vote]
    assert driver.outbox.sent == [] and driver.outbox.broadcasts == []  # type: ignore[attr-defined]
    assert driver.stats.self_delivered == 1 and driver.stats.sent == 0


def test_own_vote_refused_by_before_send_never_reaches_the_core() -> None:
    core = FakeCore()
    driver = make_driver(core, DriverHooks(before_send=lambda m: False))
    driver.execute([COVERED, SendTo(OWN, make_vote(OWN))])
    assert core.received == [] and driver.stats.refused == 1


def test_what_the_own_vote_causes_is_carried_out_and_broadcasts_skip_ourselves() -> None:
    other = make_vote(OWN, round_=6)
    core = FakeCore(reply=[SendTo(ValidatorIndex(2), other)])
    driver = make_driver(core)
    proposal = make_proposal(OWN)
    driver.execute([COVERED, Broadcast(proposal), SendTo(OWN, make_vote(OWN))])
    assert driver.outbox.broadcasts == [encode_message(proposal)]  # type: ignore[attr-defined]
    assert core.received == [make_vote(OWN)]  # the broadcast proposal was not fed back
    assert driver.outbox.sent == [(2, encode_message(other))]  # type: ignore[attr-defined]


def test_an_own_vote_no_persisted_safety_data_covers_is_a_core_fault() -> None:
    core = FakeCore()
    driver = make_driver(core)
    with pytest.raises(UnsafeSend):
        driver.execute(
            [
                PersistSafety(SafetyData(Epoch(0), last_voted_round=Round(4))),
                SendTo(OWN, make_vote(OWN)),
            ]
        )
    assert core.received == [] and driver.stats.self_delivered == 0


def test_a_loop_of_own_votes_yields_to_the_inbox() -> None:
    vote = make_vote(OWN)
    core = FakeCore(reply=[SendTo(OWN, vote)])
    driver = make_driver(core)
    driver.execute([COVERED, SendTo(OWN, vote)])
    assert len(core.received) == SELF_DELIVERIES_PER_STEP
    assert driver._inbox.get_nowait() == (OWN, encode_message(vote))


def test_every_own_vote_gets_a_slashing_record_and_a_conflicting_one_is_not_delivered(
    tmp_path: Path,
) -> None:
    pubkey = bls.sk_to_pk(bls.keygen(b"v" * 32))
    with SlashingDB(tmp_path / "slashing.sqlite", b"g" * 32) as db:
        core = FakeCore()
        driver = make_driver(core, DriverHooks(before_send=SlashingGuard(db, OWN, pubkey)))
        first, rival = make_vote(OWN, 5, b"a"), make_vote(OWN, 5, b"c")
        driver.execute([COVERED, SendTo(OWN, first), SendTo(OWN, rival)])
        data = first.vote_data
        assert db.get_records(pubkey, SignedKind.VOTE) == [(0, 5, data.signing_root)]
        assert core.received == [first] and driver.stats.refused == 1


# -- who may send what --------------------------------------------------------------------------


@pytest.mark.parametrize("message", [make_vote(2), make_timeout(2), make_proposal(2)])
def test_a_message_from_a_peer_other_than_its_author_is_refused(message: Message) -> None:
    core, rejected = FakeCore(), []
    driver = make_driver(core, DriverHooks(on_rejected=lambda s, e: rejected.append((s, e))))
    assert driver.on_input(ValidatorIndex(3), encode_message(message)) == []
    assert core.received == [] and driver.stats.rejected == 1
    ((sender, err),) = rejected
    assert sender == 3 and isinstance(err, SenderMismatch)
    driver.on_input(ValidatorIndex(2), encode_message(message))
    assert core.received == [message] and driver.stats.rejected == 1


def test_block_sync_messages_may_come_from_any_peer() -> None:
    core = FakeCore()
    request = BlockRequest(BlockId(b"q" * 32), 4)
    make_driver(core).on_input(ValidatorIndex(3), encode_message(request))
    assert core.received == [request]


def test_rejections_are_logged_at_warning_a_few_lines_per_peer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    driver = make_driver(FakeCore())
    with caplog.at_level(logging.WARNING, logger="zkpov.node.consensus_io.driver"):
        for _ in range(20):
            driver.on_input(ValidatorIndex(3), encode_message(make_vote(2)))
        driver.on_input(ValidatorIndex(2), b"\x00")
    lines = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert driver.stats.rejected == 21
    assert len(lines) == int(LOG_BURST) + 1
    assert "from validator 2" in lines[-1].getMessage()


# -- core faults --------------------------------------------------------------------------------


def test_a_protocol_error_rejects_the_input_and_keeps_the_core() -> None:
    core = FakeCore(error=InvalidVote("bad signature"))
    driver = make_driver(core, rebuild=FakeCore)
    driver.process(
        functools.partial(driver.on_input, ValidatorIndex(2), encode_message(make_vote(2)))
    )
    assert driver.core is core and driver.stats.rejected == 1 and driver.stats.restarts == 0


def test_a_core_that_raises_a_non_protocol_error_is_rebuilt_and_keeps_going() -> None:
    failing, fresh, restarts = FakeCore(error=RuntimeError("bug")), FakeCore(), []
    driver = make_driver(
        failing, DriverHooks(on_core_restart=restarts.append), rebuild=lambda: fresh
    )
    driver.execute([ScheduleTimeout(Round(1), 500.0)])
    driver.process(
        functools.partial(driver.on_input, ValidatorIndex(2), encode_message(make_vote(2)))
    )
    assert driver.core is fresh and fresh.started == 1
    assert driver.stats.restarts == 1 and [str(e) for e in restarts] == ["bug"]
    assert driver.deadlines.heap == [101.0]  # the failed core's timers are gone, the new one's set
    driver.process(
        functools.partial(driver.on_input, ValidatorIndex(2), encode_message(make_vote(2)))
    )
    assert fresh.received == [make_vote(2)]


def test_a_failed_action_drops_the_rest_and_restarts_the_core() -> None:
    def refuse(commit: Commit) -> None:
        raise CommitOrderError("gap")

    after = SendTo(ValidatorIndex(2), make_vote(OWN))
    core = FakeCore(reply=[Commit((), make_qc()), after])
    fresh = FakeCore()
    driver = make_driver(core, DriverHooks(on_commit=refuse), rebuild=lambda: fresh)
    driver.process(
        functools.partial(driver.on_input, ValidatorIndex(2), encode_message(make_vote(2)))
    )
    assert driver.core is fresh and driver.stats.restarts == 1
    assert driver.outbox.sent == []  # type: ignore[attr-defined]


def test_without_rebuild_a_core_fault_is_raised() -> None:
    driver = make_driver(FakeCore(error=RecursionError("deep")))
    with pytest.raises(RecursionError):
        driver.process(
            functools.partial(driver.on_input, ValidatorIndex(2), encode_message(make_vote(2)))
        )


def test_a_protocol_error_from_a_tick_is_logged_not_a_fault() -> None:
    def refuse(now: float) -> list[Action]:
        raise InvalidVote("stale")

    core = FakeCore()
    core.on_tick = refuse  # type: ignore[method-assign]
    driver = make_driver(core, rebuild=FakeCore)
    driver.process(driver._tick)
    assert driver.core is core and driver.stats.rejected == 1 and driver.stats.restarts == 0


def test_without_epochs_an_epoch_change_request_is_an_unknown_kind() -> None:
    """A node without epochs refuses kinds 9 and 10 at decoding, as before they existed."""
    core = FakeCore()
    driver = make_driver(core)
    rejected: list[Exception] = []
    driver.hooks.on_rejected = lambda sender, err: rejected.append(err)
    assert driver.on_input(ValidatorIndex(2), encode_consensus(EpochChangeRequest(Epoch(3)))) == []
    assert isinstance(rejected[0], DecodeError) and "unknown message kind 10" in str(rejected[0])
    assert core.received == []
