"""The simulator across epochs (``--epoch-length``): an equivocator is slashed on evidence and
ejected at the next boundary, a crash during the switch restarts into the new epoch, Twins
scenarios straddle boundaries, and the epoch invariants bite when a node forgets its switch."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from click.testing import CliRunner

from zkpov.cli import main
from zkpov.consensus.actions import Action, Broadcast, PersistSafety
from zkpov.consensus.epochs import buffer as buffer_module
from zkpov.sim import setup as sim_setup
from zkpov.sim.attack import Attacker, Output
from zkpov.sim.network import Latency
from zkpov.sim.node import SimNode
from zkpov.sim.runner import Simulation, run_simulation
from zkpov.sim.scenarios import SimConfig
from zkpov.sim.twins import run_twins
from zkpov.spec.messages import Vote, VoteData
from zkpov.storage.memory import MemorySafetyStore
from zkpov.types import BlockId, Epoch, Round

FAST = {"scheme": "insecure-hash", "block_time": 0.05, "timeout_base": 0.5}


def common_prefix(report: Any, nodes: list[int]) -> list[str]:
    logs = [report.committed[n] for n in nodes]
    shortest = min(len(log) for log in logs)
    assert all(log[:shortest] == logs[0][:shortest] for log in logs)
    return logs[0][:shortest]


def test_an_equivocator_is_slashed_and_leaves_at_the_next_epoch() -> None:
    report = run_simulation(
        validators=4, rounds=40, epoch_length=5, byzantine={"double_voter": 1}, **FAST
    )
    assert report.violations == []
    assert report.slashed.get(3, 0) > 0
    epochs = report.to_json()["epochs"]
    assert epochs["reached"] >= 3
    left = [change for change in epochs["validator_set_changes"] if change["left"]]
    assert left[0]["left"] == [3] and left[0]["epoch"] == 1
    assert len(common_prefix(report, [0, 1, 2])) >= 15


def test_without_epochs_the_report_has_no_epoch_field() -> None:
    report = run_simulation(validators=4, rounds=5, **FAST)
    assert "epochs" not in report.to_json()


class CrashMidSwitch(Simulation):
    """Node 2 dies as it is about to persist its first safety data of epoch 1 (it has just
    committed the reconfiguration block), and restarts 1 s later. What it signed in memory in
    that step but never sent is struck from its records: it never left the process."""

    crashed_once = False
    crash_epoch = 1

    def _execute(self, node: SimNode, actions: list[Any]) -> None:
        at = next((i for i, a in enumerate(actions) if self._is_switch(node, a)), None)
        if at is None:
            super()._execute(node, actions)
            return
        self.crashed_once = True
        unsent = {id(getattr(a, "message", None)) for a in actions[at:]}
        node.records[:] = [r for r in node.records if id(r.message) not in unsent]
        super()._execute(node, actions[:at])
        node.crashed, node.core = True, None
        self.queue.schedule(self.queue.now + 1.0, lambda: self.restart(node))

    def _is_switch(self, node: SimNode, action: Any) -> bool:
        is_switch = isinstance(action, PersistSafety) and action.data.epoch == self.crash_epoch
        return node.node_id == 2 and is_switch and not self.crashed_once


def test_a_crash_during_the_switch_restarts_into_the_new_epoch() -> None:
    sim = CrashMidSwitch(SimConfig(validators=4, rounds=40, epoch_length=5, **FAST))
    report = sim.run()
    assert sim.crashed_once and report.violations == []
    node = sim.nodes[2]
    assert node.lives == 2 and node.manager is not None and node.manager.epoch >= 2
    assert len(common_prefix(report, [0, 1, 2, 3])) >= 10
    stored = node.store.load()
    assert stored is not None and stored.epoch == node.manager.epoch


def test_a_node_that_forgets_its_switch_is_caught_voting_in_the_old_epoch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A broken restart at the switch to epoch 2 (log truncated before epoch 0's end, safety
    data lost) makes node 2 vote in epoch 0 again: the invariants report it."""
    real = sim_setup.recover_epoch

    def forgetful(first: Any, committed: Any) -> Any:
        return real(first, [b for b in committed if b.height < 5])

    sim = CrashMidSwitch(SimConfig(validators=4, rounds=30, epoch_length=5, **FAST))
    sim.crash_epoch = 2
    real_restart = sim.restart

    def restart(node: SimNode) -> None:
        monkeypatch.setattr(sim_setup, "recover_epoch", forgetful)
        node.store, node.committed, node.root, node.endings = MemorySafetyStore(), [], None, []
        real_restart(node)

    monkeypatch.setattr(sim, "restart", restart)
    report = sim.run()
    kinds = {violation.split(":")[0] for violation in report.violations}
    assert "old_epoch_signature" in kinds


def test_twins_scenarios_straddling_epoch_boundaries_keep_safety() -> None:
    ran, failures = run_twins(30, seed=5, epoch_length=2)
    assert ran == 30 and failures == []


def test_twins_across_epochs_still_catch_a_broken_vote_rule() -> None:
    from zkpov.sim.twins import generate_scenarios, run_twins_scenario

    found = 0
    for scenario in generate_scenarios(40, seed=0):
        report = run_twins_scenario(scenario, break_vote_rule=True, epoch_length=2)
        found += bool(report.violations)
    assert found > 0


def test_the_cli_runs_epochs_and_reports_them() -> None:
    args = ["sim", "-n", "4", "-r", "20", "--scheme", "insecure-hash", "--epoch-length", "4"]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["epochs"]["reached"] >= 2
    twins = CliRunner().invoke(main, ["twins", "--scenarios", "3", "--epoch-length", "2", "--json"])
    assert twins.exit_code == 0 and json.loads(twins.output)["failures"] == []


def test_a_zero_epoch_length_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["sim", "--epoch-length", "0"])
    assert result.exit_code == 2 and "--epoch-length" in result.output


def test_next_epoch_messages_that_arrive_early_are_held_and_replayed() -> None:
    """With uneven latency some validators hear the next epoch before they switch: those
    messages are held, then handed to the new core (and nothing breaks)."""
    config = SimConfig(
        validators=7, rounds=60, epoch_length=5, byzantine={"double_voter": 1},
        latency=Latency(kind="uniform", low=0.001, high=0.2), **FAST,
    )  # fmt: skip
    sim = Simulation(config)
    report = sim.run()
    assert report.violations == []
    assert sum(n.manager.replayed for n in sim.nodes if n.manager is not None) > 0
    assert report.to_json()["epochs"]["reached"] >= 5


FLOOD_PER_STEP = 20


def flood_next_epoch(actions: Sequence[Action], attacker: Attacker) -> list[Output]:
    """Behave honestly, and with every step broadcast junk votes of the next epoch."""
    manager = attacker.node.manager
    epoch = Epoch(0 if manager is None else manager.epoch + 1)
    zero = BlockId(bytes(32))
    junk = [
        Broadcast(Vote(VoteData(epoch, Round(r), zero, Round(r - 1), zero), attacker.node.index,
                       b"\x00" * 96))
        for r in range(1, FLOOD_PER_STEP + 1)
    ]  # fmt: skip
    return [*actions, *junk]


def run_flooded(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[int]]:
    peaks: list[int] = []
    real_add = buffer_module.FutureEpochBuffer.add

    def add(self: Any, held: Any) -> bool:
        kept = real_add(self, held)
        peaks.append(len(self))
        return kept

    monkeypatch.setattr(buffer_module.FutureEpochBuffer, "add", add)
    config = SimConfig(
        validators=4, rounds=40, epoch_length=5, byzantine={"flooder": 1},
        behaviours={"flooder": flood_next_epoch}, **FAST,
    )  # fmt: skip
    return run_simulation(config), peaks


def test_a_flood_of_next_epoch_messages_stays_within_the_buffer_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report, peaks = run_flooded(monkeypatch)
    assert report.violations == []
    assert report.to_json()["epochs"]["reached"] >= 3
    assert peaks and max(peaks) <= buffer_module.MAX_FUTURE_PER_PEER  # one flooder: its quota


def test_without_the_bounds_the_flood_piles_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(buffer_module, "MAX_FUTURE_PER_PEER", 10**9)
    monkeypatch.setattr(buffer_module, "MAX_FUTURE_TOTAL", 10**9)
    _, peaks = run_flooded(monkeypatch)
    assert max(peaks) > 10 * 8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seeded_crashes_and_restarts_across_epochs_keep_every_invariant(seed: int) -> None:
    config = SimConfig(
        validators=4, rounds=60, seed=seed, epoch_length=4, random_restarts=((1, 4), (2, 4)),
        byzantine={"double_voter": 1} if seed % 2 else {}, **FAST,
    )  # fmt: skip
    sim = Simulation(config)
    report = sim.run()
    assert report.violations == []
    assert sim.nodes[1].lives > 1 and sim.nodes[2].lives > 1
    assert report.to_json()["epochs"]["reached"] >= 8
