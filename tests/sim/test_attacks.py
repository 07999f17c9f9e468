"""The issue-9 Byzantine kinds at n = 4 with real BLS: safe, no honest core fails, and honest
commits keep up with the same run without the attack (same seed, same virtual time)."""

from __future__ import annotations

import pytest

from zkpov.consensus import dispatch
from zkpov.sim import SimConfig, SimReport, forgery, run_simulation
from zkpov.sim.scenarios import ATTACK_KINDS

VIRTUAL_SECONDS = 15.0


def run_for(byzantine: dict[str, int], seed: int, **options: object) -> SimReport:
    """A run bounded by virtual time only (the round limit never binds)."""
    config = SimConfig(
        validators=4, rounds=10_000, seed=seed, byzantine=byzantine, max_time=VIRTUAL_SECONDS,
        **options,  # type: ignore[arg-type]
    )  # fmt: skip
    return run_simulation(config)


def get_honest_commits(report: SimReport) -> int:
    """Blocks committed by the slowest honest node."""
    byzantine = set(report.extra["byzantine"])
    return min(len(ids) for node, ids in report.committed.items() if str(node) not in byzantine)


@pytest.mark.parametrize("kind", ATTACK_KINDS)
def test_one_attacker_keeps_four_validators_safe_and_live(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forgery, "FLOOD_ROUNDS", 2)  # each flooded proposal is costly to check
    baseline = get_honest_commits(run_for({}, seed=1))
    report = run_for({kind: 1}, seed=1)
    assert report.violations == []
    assert report.extra["crashed_nodes"] == 0
    assert get_honest_commits(report) >= 0.8 * baseline
    assert baseline >= 20  # the comparison means something: the run without attack is live


def test_forged_votes_past_the_sender_check_replace_no_honest_vote(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defence in depth: with the dispatcher's signer check off, the forged votes reach the next
    leader's vote collector, which must still keep the honest votes."""
    monkeypatch.setattr(dispatch, "get_signer", lambda message: None)
    baseline = get_honest_commits(run_for({}, seed=1))
    report = run_for({"vote_forger": 1}, seed=1)
    assert report.violations == [] and report.extra["crashed_nodes"] == 0
    assert get_honest_commits(report) >= 0.8 * baseline
