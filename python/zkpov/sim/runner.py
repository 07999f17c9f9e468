"""The simulation loop: nodes, network and invariants on one virtual clock.

Every honest node runs the same :class:`~zkpov.consensus.core.ConsensusCore` the node runtime uses.
Actions run in order through :class:`~zkpov.consensus.interpreter.ActionInterpreter`:
``PersistSafety`` really writes the node's store before the next action (the vote or timeout)
is handed to the network, and a signed message no persisted data covers is a violation. After
each step of a core (boot, delivered message, tick) the invariants are checked on what it signed
and on its round; commits and votes are checked as they happen.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import Any

from zkpov.consensus.actions import (
    Action,
    Commit,
    RecordEvidence,
    ScheduleTimeout,
)
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.interpreter import ActionInterpreter, UnsafeSend
from zkpov.sim.byzantine import (
    Attacker,
    Delayed,
    Equivocation,
    Later,
    observe_message,
    rewrite_actions,
)
from zkpov.sim.chain_state import CanonicalChainState
from zkpov.sim.clock import EventQueue
from zkpov.sim.epoch_invariants import build_invariants, track_epochs
from zkpov.sim.evidence_invariants import track_evidence
from zkpov.sim.faults import schedule_faults
from zkpov.sim.gc_tuning import tuned_gc
from zkpov.sim.metrics import Metrics, SimReport
from zkpov.sim.network import Network
from zkpov.sim.node import Driver, SimNode
from zkpov.sim.report import build_report
from zkpov.sim.scenarios import SimConfig
from zkpov.sim.setup import build_world
from zkpov.sim.tables import TablePeaks
from zkpov.spec.messages import Message, Proposal, Vote
from zkpov.spec.safety_data import SafetyData
from zkpov.types import NodeId, Round, ValidatorIndex

__all__ = ["SimReport", "Simulation", "run_simulation"]


def run_simulation(config: SimConfig | None = None, **options: Any) -> SimReport:
    """Run one seeded simulation (``SimConfig`` or its fields as keywords); return the report."""
    return Simulation(config or SimConfig(**options)).run()


class Simulation:
    """One run. ``run()`` may be called once."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)  # noqa: S311 - a seeded simulation, not crypto
        self.world = build_world(config)
        self.vset = self.world.vset
        self.nodes: list[SimNode] = self.world.nodes
        self.queue = EventQueue()
        self.network = Network(
            self.rng, config.latency, config.loss, config.partitions, self.world.message_filter,
            config.round_partitions_until,
        )  # fmt: skip
        self.invariants = build_invariants(self.world)
        self.chain_state = CanonicalChainState(self.vset, self.invariants.report)
        self.world.on_canonical_hooks.append(self.chain_state.on_block)
        track_evidence(self.world, self.chain_state, self.invariants.report)
        self.epochs = track_epochs(self.world, self.chain_state, self.invariants)
        self.metrics = Metrics()
        self.evidence: dict[tuple[str, int], bytes] = {}
        self.record_cursor: dict[NodeId, int] = {}
        self.interpreters: dict[tuple[NodeId, int], ActionInterpreter] = {}
        self.max_round = 0
        self.entered_rounds: dict[NodeId, Round] = {}
        self.crashed_nodes = 0  # fatal failures of honest cores (each schedules a restart)
        self.tables = TablePeaks()

    def run(self) -> SimReport:
        for node in self.nodes:
            self.queue.schedule(0.0, functools.partial(self._boot, node))
        schedule_faults(self.config, self.queue, self.nodes, self.restart)
        with tuned_gc():
            self._run_events()
        return self._report()

    def _run_events(self) -> None:
        limit = self.config.get_max_time()
        events = 0
        while self.max_round <= self.config.rounds and self.queue.now <= limit:
            if events >= self.config.max_events or not self.queue.run_next():
                break
            events += 1

    def _report(self) -> SimReport:
        return build_report(
            self.config, self.nodes, self.metrics,
            violations=self.invariants.violations, violation_counts=self.invariants.counts,
            evidence=self.evidence, slashed=self.chain_state.get_slashed(),
            rounds=self.max_round, virtual_seconds=self.queue.now,
            messages_dropped=self.network.dropped, crashed_nodes=self.crashed_nodes,
            table_peaks=self.tables.peaks,
            epochs=None if self.epochs is None else self.epochs.get_summary(),
        )  # fmt: skip

    # -- lifecycle ---------------------------------------------------------------------------------

    def _boot(self, node: SimNode) -> None:
        if node.crashed:
            return
        try:
            self.world.boot(node)
        except Exception:  # a core that cannot even start: try again later
            node.failures += 1
            self.fail_node(node, self.config.timeout_base)
            return
        self.record_cursor[node.node_id] = len(node.records)
        now = self.queue.now
        self._step(node, lambda core: core.start(now))

    def restart(self, node: SimNode) -> None:
        """Restart a crashed node from its durable state (safety store, committed root)."""
        node.crashed = False
        self._boot(node)

    def fail_node(self, node: SimNode, delay: float = 0.0) -> None:
        """A core raised a non-protocol exception: count it, crash the node, restart it."""
        if node.is_honest:
            self.crashed_nodes += 1
        self.metrics.failures.append((self.queue.now, node.node_id))
        node.crashed, node.core = True, None
        self.queue.schedule(self.queue.now + delay, lambda: self.restart(node))

    def _step(self, node: SimNode, run: Callable[[Driver], list[Action]]) -> None:
        self._carry_out(node, node.call_core(run))

    def _carry_out(self, node: SimNode, actions: list[Action] | None) -> None:
        """Execute a core call's actions; None means the core failed: restart the node."""
        if actions is None:
            self.fail_node(node)
        else:
            self._execute(node, actions)

    # -- actions -----------------------------------------------------------------------------------

    def _execute(self, node: SimNode, actions: list[Action]) -> None:
        todo: list[Any] = list(actions)
        if not node.is_honest:
            attacker = Attacker(node, self.world, self.queue.now)
            todo = rewrite_actions(actions, attacker, self.config.behaviours)
        try:
            for action in todo:
                self._perform(node, action)
        except UnsafeSend as err:  # a core that signs before persisting: report, restart it
            self.invariants.report("persist_before_send", f"validator {node.index}: {err}")
            self.fail_node(node)
        self._after_step(node)

    def _perform(self, node: SimNode, action: Any) -> None:
        """Byzantine outputs here; the core's own actions through the shared interpreter."""
        if isinstance(action, Equivocation):
            self._equivocate(node, action)
        elif isinstance(action, Later | Delayed):
            self._perform_later(node, action)
        else:
            self._get_interpreter(node).execute_one(action)

    def _get_interpreter(self, node: SimNode) -> ActionInterpreter:
        """One per node life: a restarted node starts from what its store persisted."""
        key = (node.node_id, node.lives)
        interpreter = self.interpreters.get(key)
        if interpreter is None:
            self.interpreters.pop((node.node_id, node.lives - 1), None)
            sink = _NodeSink(self, node)
            honest, persisted = node.is_honest, node.store.load()
            interpreter = ActionInterpreter(node.index, sink, persisted, check_persisted=honest)
            self.interpreters[key] = interpreter
        return interpreter

    def send_to(self, node: SimNode, to: ValidatorIndex, message: Message) -> None:
        """Every instance of validator ``to`` (Twins have two), the sender itself included."""
        for target in self.world.instances[to]:
            self._send(node, target, message, to_self=True)

    def schedule_tick(self, node: SimNode, deadline: float) -> None:
        life = node.lives
        self.queue.schedule(deadline, lambda: self._tick(node, life))

    def _perform_later(self, node: SimNode, later: Later | Delayed) -> None:
        """A Byzantine output held back (``Later`` computes its actions when the time comes)."""

        def perform() -> None:
            actions = later.make() if isinstance(later, Later) else [later.action]
            for action in actions:
                self._perform(node, action)

        self.queue.schedule(self.queue.now + later.delay, perform)

    def broadcast(self, node: SimNode, message: object) -> None:
        if isinstance(message, Proposal):
            self.metrics.proposed_at.setdefault(message.block.id, self.queue.now)
        for target in self.nodes:
            self._send(node, target, message)

    def _equivocate(self, node: SimNode, action: Equivocation) -> None:
        for position, target in enumerate(self.nodes):
            pair = (action.first, action.second)
            for message in pair if position % 2 == 0 else pair[::-1]:
                self._send(node, target, message)

    def _send(self, src: SimNode, dst: SimNode, message: object, *, to_self: bool = False) -> None:
        """Broadcasts skip the sender; a SendTo addressed to itself comes back at once."""
        is_self = dst.node_id == src.node_id
        if is_self and not to_self:
            return
        if isinstance(message, Vote):
            self.invariants.observe_vote(message)
        if not is_self:
            self.metrics.count_message(message, 1)
        delay = self.network.get_delay(self.queue.now, src.node_id, dst.node_id, message)
        if delay is not None:
            at = self.queue.now + delay
            self.queue.schedule(at, lambda: self._deliver(dst, message, src.index))

    def _deliver(self, node: SimNode, message: object, sender: ValidatorIndex) -> None:
        if node.crashed or node.core is None:
            return
        if not node.is_honest:
            observe_message(node, message, Attacker(node, self.world, self.queue.now))
        self._carry_out(node, node.handle(message, sender, self.queue.now))

    def _tick(self, node: SimNode, life: int) -> None:
        if node.crashed or node.core is None or node.lives != life:
            return
        now = self.queue.now
        self._step(node, lambda core: core.on_tick(now))

    def commit(self, node: SimNode, commit: Commit) -> None:
        if node.is_honest:
            self.invariants.check_commit(node, commit, len(node.committed))
            self._measure_commit(node, commit)
        node.committed.extend(commit.blocks)
        self.metrics.height_changes.append((self.queue.now, node.node_id, len(node.committed)))
        if node.manager is not None:
            node.root = node.manager.root
        elif node.core is not None:
            node.root = (node.core.tree.root, node.core.tree.root_qc)
        self.world.on_canonical(self.invariants.canonical, self)

    def _measure_commit(self, node: SimNode, commit: Commit) -> None:
        current = commit.commit_qc.round + 1  # the round in which the committing QC is used
        for block in commit.blocks:
            proposed = self.metrics.proposed_at.get(block.id)
            self.metrics.latency_rounds.append(current - block.round)
            if proposed is not None:
                self.metrics.latency_seconds.append(self.queue.now - proposed)
            self.metrics.commit_events.append((self.queue.now, block.round))
            self.metrics.first_commit_at.setdefault(block.id, self.queue.now)
        self.metrics.commit_times.append(self.queue.now)

    def record_evidence(self, node: SimNode, action: RecordEvidence) -> None:
        if not node.is_honest:
            return
        self.evidence.setdefault((action.kind, int(action.offender)), action.evidence)
        self.invariants.observe_evidence(action.offender)

    def _after_step(self, node: SimNode) -> None:
        if node.is_honest:
            cursor = self.record_cursor.get(node.node_id, 0)
            self.invariants.check_records(node, node.records[cursor:])
            self.invariants.check_round(node)
        self.record_cursor[node.node_id] = len(node.records)
        if node.core is not None:
            self.tables.observe(node.node_id, node.core)
        if node.is_honest and node.core is not None:
            self.max_round = max(self.max_round, node.core.pacemaker.round)
            self._record_round_leader(node.node_id, node.core)
            if node.core.htc is not None:
                self.invariants.check_tc(node.core.htc)

    def _record_round_leader(self, node_id: NodeId, core: ConsensusCore) -> None:
        """The leader an honest node sees on entering a round (once per node and round)."""
        round_ = core.pacemaker.round
        if self.entered_rounds.get(node_id) != round_:
            self.entered_rounds[node_id] = round_
            self.metrics.round_entered_at.setdefault(round_, self.queue.now)
            self.metrics.round_leaders.append((round_, core.get_round_leader(round_)))


class _NodeSink:
    """What one simulated node's actions do: its store, the simulated network and clock."""

    def __init__(self, sim: Simulation, node: SimNode) -> None:
        self.sim, self.node = sim, node

    def persist_safety(self, data: SafetyData) -> None:
        self.sim.invariants.observe_persist(self.node, data)
        self.node.store.save(data)

    def send(self, to: ValidatorIndex, message: Message) -> None:
        self.sim.send_to(self.node, to, message)

    def broadcast(self, message: Message) -> None:
        self.sim.broadcast(self.node, message)

    def schedule_timeout(self, action: ScheduleTimeout) -> None:
        self.sim.schedule_tick(self.node, action.deadline)

    def commit(self, action: Commit) -> None:
        self.sim.commit(self.node, action)

    def record_evidence(self, action: RecordEvidence) -> None:
        self.sim.record_evidence(self.node, action)
