"""Drive the sans-I/O consensus core with real time on an asyncio loop.

The driver owns the core's inbox and timers and carries out its actions in order. The one rule
that matters for safety: a ``PersistSafety`` action is written durably (the store fsyncs or
commits) before any later action runs, so no vote or timeout leaves the process before the data
that forbids signing a conflicting one is on disk. The actions run through the shared
:class:`~zkpov.consensus.interpreter.ActionInterpreter`, which also refuses (``UnsafeSend``, a
core fault here) to hand over an own vote, timeout or proposal no persisted data covers.

Bad input never stops the driver: bytes that do not decode, a proposal, vote or timeout that
did not come from its author, and messages the core rejects (a ``ZkpovError``: the core did not
change) are counted, logged per peer at a bounded rate, reported to ``on_rejected`` (peer
penalties) and dropped. A full inbox drops new input (counted) instead of growing without bound.

With epochs on (a genesis with ``"epochs": true``) the driver runs an
:class:`~zkpov.consensus.epochs.manager.EpochManager` instead of a bare core: peers are then
named by registry index, which for the node is the genesis index the transport authenticated,
and our own signed messages are recognized per epoch (``get_signing_index``), since our
consensus index may change at each switch. Epoch-change proofs and requests travel on the
consensus channel (:mod:`zkpov.spec.codec.epochs`).

A message the core addresses to its own validator (its vote when it leads the next round) goes
through ``before_send`` like any other, so slashing protection records it, and is then fed back
to the core as input from itself, never over the network. Any other failure, in the core or
while carrying out its actions (a committed chain that refuses a commit), is a core fault: the
driver drops the core and its remaining actions and, given ``rebuild``, starts a fresh core from
durable state; without ``rebuild`` the fault is raised.

``Outbox``, ``DriverHooks`` and ``DriverStats`` are defined in
:mod:`~zkpov.node.consensus_io.driver_hooks` and re-exported here; the timers are
:class:`~zkpov.node.consensus_io.deadlines.Deadlines`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from zkpov.consensus.actions import Action, Commit, RecordEvidence, ScheduleTimeout, SendTo
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.dispatch import dispatch_message
from zkpov.consensus.epochs.manager import EpochManager
from zkpov.consensus.interpreter import ActionInterpreter
from zkpov.errors import ZkpovError
from zkpov.node.consensus_io.deadlines import Deadlines
from zkpov.node.consensus_io.driver_hooks import DriverHooks, DriverStats, Outbox
from zkpov.node.consensus_io.input_guard import RejectionLog
from zkpov.spec.codec.epochs import decode_consensus, encode_consensus, fit_epoch_change_proof
from zkpov.spec.codec.messages import decode_message
from zkpov.spec.epochs import EpochChangeProof
from zkpov.spec.messages import BlockRequest, BlockResponse, Message, Proposal
from zkpov.spec.safety_data import SafetyData
from zkpov.storage.interface import SafetyStore
from zkpov.types import Epoch, ValidatorIndex

__all__ = ["ConsensusDriver", "DriverHooks", "DriverStats", "Outbox", "Steered"]

log = logging.getLogger(__name__)

INBOX_CAPACITY = 10_000
SELF_DELIVERIES_PER_STEP = 256  # more wait in the inbox, so a loop of own votes yields
Step = Callable[[], list[Action]]
Steered = ConsensusCore | EpochManager  # what the driver runs: a core, or the epoch manager


def _encode(message: Message) -> bytes | None:
    """Wire bytes; an epoch-change proof trimmed to what a peer's frame cap accepts."""
    if isinstance(message, EpochChangeProof):
        return fit_epoch_change_proof(message)
    return encode_consensus(message)


@dataclass
class ConsensusDriver:
    steered: Steered
    outbox: Outbox
    safety_store: SafetyStore
    hooks: DriverHooks = field(default_factory=DriverHooks)
    clock: Callable[[], float] = time.monotonic
    stats: DriverStats = field(default_factory=DriverStats)
    rebuild: Callable[[], Steered] | None = None  # a fresh core (or manager) from durable state
    me: ValidatorIndex = field(init=False)  # who we are to peers (the transport's index)

    def __post_init__(self) -> None:
        self._inbox: asyncio.Queue[tuple[ValidatorIndex, bytes]] = asyncio.Queue(INBOX_CAPACITY)
        self.deadlines = Deadlines()
        self._to_self: deque[Message] = deque()
        self._rejections = RejectionLog()
        self._interpreter = ActionInterpreter(
            self.get_signing_index, self, self.safety_store.load()
        )
        self.me = self._get_me()

    @property
    def core(self) -> ConsensusCore:
        """The running core (the current epoch's under a manager)."""
        steered = self.steered
        if not isinstance(steered, EpochManager):
            return steered
        core = steered.core or steered.retired
        if core is None:
            raise RuntimeError("the epoch manager has not started a core")
        return core

    def get_signing_index(self, epoch: Epoch) -> ValidatorIndex | None:
        """Our consensus index in ``epoch``: what names our own signed messages of it."""
        steered = self.steered
        if not isinstance(steered, EpochManager):
            return steered.index
        return steered.get_signing_index(epoch)

    def _get_me(self) -> ValidatorIndex:
        steered = self.steered
        if not isinstance(steered, EpochManager):
            return steered.index
        return ValidatorIndex(steered.context.me)

    def deliver(self, sender: ValidatorIndex, payload: bytes) -> None:
        """Queue bytes from ``sender`` (a validator index the transport authenticated)."""
        try:
            self._inbox.put_nowait((sender, payload))
        except asyncio.QueueFull:
            self.stats.dropped += 1

    async def run(self, stop: asyncio.Event) -> None:
        """Start the core and process input and timers until ``stop`` is set."""
        self.process(lambda: self.steered.start(self.clock()))
        while not stop.is_set():
            item = await self._next_input(stop)
            if item is None:
                self.process(self._tick)
            else:
                self.process(functools.partial(self.on_input, *item))

    def _tick(self) -> list[Action]:
        """A ``ZkpovError`` here left the core unchanged too: logged, not a fault."""
        return self._guard(lambda: self.steered.on_tick(self.clock()), self.me)

    async def _next_input(self, stop: asyncio.Event) -> tuple[ValidatorIndex, bytes] | None:
        wait = self.deadlines.get_wait(self.clock())
        try:
            return await asyncio.wait_for(self._inbox.get(), timeout=wait)
        except TimeoutError:
            return None

    def process(self, step: Step) -> None:
        """Run one core step, carry out its actions and call ``after_input``; a fault restarts
        the core."""
        try:
            self.execute(step())
            self.hooks.after_input()
        except Exception as err:  # any failure but a rejected input is a core fault
            self._restart_core(err)

    def on_input(self, sender: ValidatorIndex, payload: bytes) -> list[Action]:
        """The core's actions for ``payload`` from ``sender``; [] if it was rejected."""
        self.stats.received += 1
        return self._guard(lambda: self._dispatch(self._decode(payload), sender), sender)

    def _decode(self, payload: bytes) -> object:
        """Epoch-change proofs and requests decode only under a manager; without epochs they
        are unknown kinds, refused before any of their body is read (as before epochs)."""
        if isinstance(self.steered, EpochManager):
            return decode_consensus(payload)
        return decode_message(payload)

    def _dispatch(self, message: object, sender: ValidatorIndex) -> list[Action]:
        steered, now = self.steered, self.clock()
        if isinstance(steered, EpochManager):
            actions = steered.on_message(message, sender, now)
            if not actions and isinstance(message, BlockRequest):
                actions = self._serve_committed(message, sender)
        else:
            actions = dispatch_message(steered, message, sender, now)
        if isinstance(message, Proposal):  # it passed the core's checks
            self.hooks.on_proposal(message)
        return actions

    def _serve_committed(self, request: BlockRequest, sender: ValidatorIndex) -> list[Action]:
        response = self.hooks.serve_blocks(request)
        return [] if response is None else [SendTo(sender, response)]

    def _guard(self, step: Step, sender: ValidatorIndex) -> list[Action]:
        """A ``ZkpovError`` rejects the input (the core did not change); others propagate."""
        try:
            return step()
        except ZkpovError as err:
            self._on_rejected(sender, err)
            return []

    def _on_rejected(self, sender: ValidatorIndex, err: ZkpovError) -> None:
        self.stats.rejected += 1
        self.stats.last_error = f"{type(err).__name__}: {err}"
        self._rejections.on_rejected(sender, err, self.clock())
        self.hooks.on_rejected(sender, err)

    def _restart_core(self, err: Exception) -> None:
        """Drop the failed core, its timers and its undelivered messages; start a fresh one."""
        if self.rebuild is None:
            raise err
        log.error("consensus core failed; restarting it from durable state: %r", err, exc_info=err)
        self.stats.restarts += 1
        self.stats.last_error = f"{type(err).__name__}: {err}"
        self.hooks.on_core_restart(err)
        self.rebuild_core()

    def rebuild_core(self) -> None:
        """A fresh core (or manager) from durable state, started; its timers and undelivered
        messages dropped. After a fault, or once this validator's registry index is known."""
        if self.rebuild is None:
            raise RuntimeError("this driver has no way to rebuild its core")
        self.deadlines.clear()
        self._to_self.clear()
        self.steered = self.rebuild()
        self.me = self._get_me()
        self.execute(self.steered.start(self.clock()))  # a fault here is fatal: raised

    def execute(self, actions: list[Action]) -> None:
        """Carry out actions in order; ``PersistSafety`` completes before anything after it.
        Then feed the messages addressed to ourselves back to the core, oldest first."""
        self._execute_all(actions)
        for _ in range(SELF_DELIVERIES_PER_STEP):
            if not self._to_self:
                return
            self._execute_all(self._deliver_to_self(self._to_self.popleft()))
        while self._to_self:  # rare: let network input and timers in between
            self.deliver(self.me, encode_consensus(self._to_self.popleft()))

    def _deliver_to_self(self, message: Message) -> list[Action]:
        self.stats.self_delivered += 1
        return self._guard(lambda: self._dispatch(message, self.me), self.me)

    def _execute_all(self, actions: list[Action]) -> None:
        self._interpreter.execute(actions)

    # -- ActionSink: what each action does here ---------------------------------------------------

    def persist_safety(self, data: SafetyData) -> None:
        self.safety_store.save(data)
        self.stats.persisted += 1

    def send(self, to: ValidatorIndex, message: Message) -> None:
        self._send(message, to)

    def broadcast(self, message: Message) -> None:
        """To the others only: the core handles its own proposals and timeouts."""
        if isinstance(message, Proposal):
            self.hooks.on_proposal(message)
        self._send(message, None)

    def schedule_timeout(self, action: ScheduleTimeout) -> None:
        self.deadlines.add(action.deadline)

    def commit(self, action: Commit) -> None:
        self.hooks.on_commit(action)

    def record_evidence(self, action: RecordEvidence) -> None:
        self.hooks.on_evidence(action)

    def _send(self, message: Message, to: ValidatorIndex | None) -> None:
        if not self.hooks.before_send(message):
            self.stats.refused += 1
            return
        if to == self.me:
            self._to_self.append(message)
            return
        payload = _encode(message)
        if payload is None:  # an epoch-change proof whose first ending alone is too large
            self.stats.refused += 1
            return
        if to is not None:
            bulk = isinstance(message, BlockRequest | BlockResponse)
            self.outbox.send_to(to, payload, bulk)
        else:
            self.outbox.broadcast(payload)
        self.stats.sent += 1
