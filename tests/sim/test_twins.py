"""Twins: hundreds of scenarios without violation; a broken vote rule is caught."""

from __future__ import annotations

import pytest

from zkpov.sim.twins import generate_scenarios, run_twins, run_twins_scenario

CI_SCENARIOS = 300


def test_generator_is_seeded_and_covers_partitions_and_twin_leaders() -> None:
    first = list(generate_scenarios(50, seed=11))
    assert first == list(generate_scenarios(50, seed=11))
    assert any(len(groups) > 1 for s in first for groups in s.partitions)
    assert sum(leader == 3 for s in first for leader in s.leaders) > 50  # the twinned validator


def test_broken_vote_rule_is_caught_as_an_agreement_violation_quickly() -> None:
    for scenario in generate_scenarios(100, seed=0, rounds=8):
        report = run_twins_scenario(scenario, break_vote_rule=True)
        if any(v.startswith("agreement") for v in report.violations):
            return
    pytest.fail("no agreement violation in 100 scenarios with the vote rule broken")


def test_ci_twins_scenarios_have_no_violation() -> None:
    ran, failures = run_twins(CI_SCENARIOS, seed=2024, rounds=8)
    assert ran == CI_SCENARIOS and failures == []


# The slow run: 100,000 scenarios over four shapes (validators, twins, rounds, count).
SLOW_SHAPES = [(4, 1, 8, 40_000), (5, 1, 10, 25_000), (7, 2, 10, 25_000), (10, 3, 14, 10_000)]


@pytest.mark.slow
@pytest.mark.parametrize(("validators", "twins", "rounds", "count"), SLOW_SHAPES)
def test_a_hundred_thousand_twins_scenarios_have_no_violation(
    validators: int, twins: int, rounds: int, count: int
) -> None:
    shape = {"validators": validators, "twins": twins, "rounds": rounds}
    ran, failures = run_twins(count, seed=validators, **shape)
    assert ran == count and failures == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_ten_thousand_twins_scenarios_across_epoch_boundaries_have_no_violation(
    seed: int,
) -> None:
    """2 x 5,000 scenarios with two blocks per epoch: every one crosses a boundary during its
    partitioned rounds (the figure in the epochs closing note)."""
    ran, failures = run_twins(5_000, seed=seed, epoch_length=2)
    assert ran == 5_000 and failures == []
