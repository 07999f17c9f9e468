"""The one interpreter of core actions: in list order, and nothing signed leaves unpersisted.

Every driver (the node, the simulator, the in-process engine, the tests' network) hands the
core's actions to :class:`ActionInterpreter`, which calls its :class:`ActionSink` in list order.
``persist_safety`` must return only once the write is durable. Before the sink sends our own
vote, timeout or proposal, the interpreter checks that safety data already persisted covers it
(``last_voted_round``, ``highest_timeout_round`` or ``last_proposed_round`` at or above its
round, in its epoch or a later one); if not, it raises :class:`UnsafeSend` and sends nothing,
which drivers treat as a core fault. No I/O happens here: the sink does it.

"Our own" is a validator index, or under an epoch manager a function of the message's epoch
(``OwnIndex``: our consensus index may change at each switch; None where we are no member).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from zkpov.consensus.actions import (
    Action,
    Broadcast,
    Commit,
    PersistSafety,
    RecordEvidence,
    ScheduleTimeout,
    SendTo,
)
from zkpov.spec.messages import Message, Proposal, Timeout, Vote
from zkpov.spec.safety_data import SafetyData
from zkpov.types import Epoch, Round, ValidatorIndex

__all__ = ["ActionInterpreter", "ActionSink", "OwnIndex", "UnsafeSend", "get_own", "is_covered"]

OwnIndex = ValidatorIndex | Callable[[Epoch], ValidatorIndex | None]


def get_own(own: OwnIndex, epoch: Epoch) -> ValidatorIndex | None:
    """Our index in ``epoch``."""
    return own(epoch) if callable(own) else own


class UnsafeSend(RuntimeError):
    """The core asked to send a message it signed that no persisted safety data covers."""


class ActionSink(Protocol):
    """What a driver does for each kind of action."""

    def persist_safety(self, data: SafetyData) -> None:
        """Write ``data``; return only once it would survive a crash."""

    def send(self, to: ValidatorIndex, message: Message) -> None: ...

    def broadcast(self, message: Message) -> None: ...

    def schedule_timeout(self, action: ScheduleTimeout) -> None: ...

    def commit(self, action: Commit) -> None: ...

    def record_evidence(self, action: RecordEvidence) -> None: ...


def _get_signed_position(message: Message, own: OwnIndex) -> tuple[str, tuple[Epoch, Round]] | None:
    """Which safety field must cover ``message`` if we signed it, and its (epoch, round)."""
    if isinstance(message, Vote) and message.voter == get_own(own, message.vote_data.epoch):
        return "last_voted_round", (message.vote_data.epoch, message.round)
    if isinstance(message, Timeout) and message.signer == get_own(own, message.epoch):
        return "highest_timeout_round", (message.epoch, message.round)
    block = message.block if isinstance(message, Proposal) else None
    if block is not None and block.proposer == get_own(own, block.epoch):
        return "last_proposed_round", (block.epoch, block.round)
    return None


def is_covered(message: Message, own: OwnIndex, persisted: SafetyData | None) -> bool:
    """Whether ``message`` may leave: not signed by ``own``, or covered by ``persisted``."""
    signed = _get_signed_position(message, own)
    if signed is None:
        return True
    if persisted is None:
        return False
    field, position = signed
    return (persisted.epoch, getattr(persisted, field)) >= position


class ActionInterpreter:
    """Carries out one core's actions through ``sink``; ``persisted`` is what the safety store
    held when the core was built (a restarted core may resend its stored vote).

    ``check_persisted=False`` is for the simulator's Byzantine validators only: they sign what
    they like, and the simulator must let them to show that honest nodes survive it."""

    def __init__(
        self,
        own: OwnIndex,
        sink: ActionSink,
        persisted: SafetyData | None = None,
        *,
        check_persisted: bool = True,
    ) -> None:
        self.own, self.sink, self.persisted = own, sink, persisted
        self.check_persisted = check_persisted

    def execute(self, actions: Iterable[Action]) -> None:
        for action in actions:
            self.execute_one(action)

    def execute_one(self, action: Action) -> None:
        if isinstance(action, PersistSafety):
            self.sink.persist_safety(action.data)
            self.persisted = action.data
        elif isinstance(action, SendTo):
            self._check(action.message)
            self.sink.send(action.to, action.message)
        elif isinstance(action, Broadcast):
            self._check(action.message)
            self.sink.broadcast(action.message)
        elif isinstance(action, ScheduleTimeout):
            self.sink.schedule_timeout(action)
        elif isinstance(action, Commit):
            self.sink.commit(action)
        else:
            self.sink.record_evidence(action)

    def _check(self, message: Message) -> None:
        if self.check_persisted and not is_covered(message, self.own, self.persisted):
            raise UnsafeSend(f"{type(message).__name__} would leave before its safety data")
