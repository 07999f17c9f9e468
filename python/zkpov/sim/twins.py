"""Twins (Bano et al., 2020): byzantine validators as two honest instances sharing one key.

A scenario fixes, for each of the first ``rounds`` rounds, the leader and a partition of the node
instances; a message of round r is delivered only inside one group of round r's partition. After
the scenario rounds (and at the latest after three round timeouts per scenario round of virtual
time) the network heals for ``heal_rounds``, so that commits surface any conflict.
Scenarios are drawn from a seeded generator over (partitions x leaders)^rounds.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from zkpov.sim.metrics import SimReport
from zkpov.sim.network import Latency
from zkpov.sim.runner import run_simulation
from zkpov.sim.scenarios import SimConfig
from zkpov.types import NodeId

TIMEOUT_BASE = 0.1
STICKINESS = 0.5  # a round keeps the previous round's leader / partition with this probability

__all__ = ["TwinsScenario", "generate_scenarios", "run_twins", "run_twins_scenario"]


@dataclass(frozen=True)
class TwinsScenario:
    validators: int
    twins: int
    leaders: tuple[int, ...]
    partitions: tuple[tuple[frozenset[NodeId], ...], ...]
    seed: int

    @property
    def instances(self) -> int:
        return self.validators + self.twins


def compute_random_partition(rng: random.Random, instances: int) -> tuple[frozenset[NodeId], ...]:
    """Whole network (1 in 2), or a split into two or three random groups."""
    if rng.random() < 1 / 2:
        return (frozenset(NodeId(i) for i in range(instances)),)
    parts = rng.choice((2, 2, 3))
    labels = [rng.randrange(parts) for _ in range(instances)]
    return tuple(
        frozenset(NodeId(i) for i, label in enumerate(labels) if label == part)
        for part in range(parts)
    )


def compute_leader(rng: random.Random, validators: int, twins: int) -> int:
    """Two rounds in three are led by a twinned validator (highest indices), the rest by anyone."""
    if twins and rng.random() < 2 / 3:
        return validators - 1 - rng.randrange(twins)
    return rng.randrange(validators)


def generate_scenarios(
    count: int, *, validators: int = 4, twins: int = 1, rounds: int = 6, seed: int = 0
) -> Iterator[TwinsScenario]:
    """``count`` seeded scenarios of ``rounds`` rounds (leaders and partitions per round)."""
    rng = random.Random(seed)  # noqa: S311 - a seeded scenario generator, not crypto
    for number in range(count):
        leaders: list[int] = []
        partitions: list[tuple[frozenset[NodeId], ...]] = []
        for r in range(rounds):
            sticky = r > 0 and rng.random() < STICKINESS
            leaders.append(leaders[-1] if sticky else compute_leader(rng, validators, twins))
            sticky = r > 0 and rng.random() < STICKINESS
            partition = (
                partitions[-1] if sticky else compute_random_partition(rng, validators + twins)
            )
            partitions.append(partition)
        scenario_seed = seed * 1_000_003 + number
        yield TwinsScenario(validators, twins, tuple(leaders), tuple(partitions), scenario_seed)


def run_twins_scenario(
    scenario: TwinsScenario,
    *,
    heal_rounds: int = 6,
    break_vote_rule: bool = False,
    epoch_length: int | None = None,
) -> SimReport:
    """Run one scenario on virtual time with fast rounds and the pairing-free scheme (with
    ``epoch_length``, across epoch boundaries)."""
    config = SimConfig(
        validators=scenario.validators,
        rounds=len(scenario.leaders) + heal_rounds,
        seed=scenario.seed,
        byzantine={"twins": scenario.twins},
        leader_schedule={r + 1: leader for r, leader in enumerate(scenario.leaders)},
        round_partitions={r + 1: groups for r, groups in enumerate(scenario.partitions)},
        round_partitions_until=len(scenario.leaders) * TIMEOUT_BASE * 3,
        latency=Latency(kind="uniform", low=0.001, high=0.01),
        scheme="insecure-hash",
        block_time=0.02,
        timeout_base=TIMEOUT_BASE,
        test_only_break_vote_rule=break_vote_rule,
        epoch_length=epoch_length,
    )
    return run_simulation(config)


def run_twins(
    count: int,
    *,
    seed: int = 0,
    rounds: int = 6,
    validators: int = 4,
    twins: int = 1,
    break_vote_rule: bool = False,
    stop_on_violation: bool = False,
    epoch_length: int | None = None,
) -> tuple[int, list[tuple[TwinsScenario, list[str]]]]:
    """Run ``count`` scenarios of one shape; return how many ran and those with violations."""
    failures: list[tuple[TwinsScenario, list[str]]] = []
    ran = 0
    shape = {"validators": validators, "twins": twins, "rounds": rounds}
    for scenario in generate_scenarios(count, seed=seed, **shape):
        report = run_twins_scenario(
            scenario, break_vote_rule=break_vote_rule, epoch_length=epoch_length
        )
        ran += 1
        if report.violations:
            failures.append((scenario, report.violations))
            if stop_on_violation:
                break
    return ran, failures
