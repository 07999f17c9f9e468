"""Byzantine behaviours leave evidence, get slashed, and break no invariant."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from zkpov.consensus.actions import Action
from zkpov.sim import SimConfig, run_simulation
from zkpov.sim.attack import Attacker, Output
from zkpov.spec.messages import Proposal


@pytest.mark.parametrize(
    ("kind", "evidence"),
    [
        ("equivocating_leader", {"double_proposal"}),
        ("double_voter", {"double_vote"}),
        ("invalid_block_proposer", {"invalid_block"}),
        ("twins", {"double_proposal", "double_vote"}),
    ],
)
def test_offences_leave_evidence_and_are_slashed(kind: str, evidence: set[str]) -> None:
    # Both offenders must get to lead within 30 rounds: a seed where the leader draw picks them.
    config = SimConfig(validators=7, rounds=30, seed=0, byzantine={kind: 2}, scheme="insecure-hash")
    report = run_simulation(config)
    assert report.violations == []
    assert {e["kind"] for e in report.evidence} == evidence
    assert {e["validator"] for e in report.evidence} == {5, 6}
    assert set(report.slashed) == {5, 6} and all(v > 0 for v in report.slashed.values())


def test_withholders_are_not_slashed_and_the_chain_goes_on() -> None:
    report = run_simulation(
        validators=7, rounds=30, seed=3, byzantine={"withholder": 2}, scheme="insecure-hash"
    )
    assert report.violations == [] and report.evidence == [] and report.slashed == {}
    assert len(report.committed[0]) >= 15


def test_double_voter_with_real_bls() -> None:
    report = run_simulation(validators=4, rounds=10, seed=3, byzantine={"double_voter": 1})
    assert report.violations == [] and report.evidence == [{"kind": "double_vote", "validator": 3}]
    assert report.slashed == {3: 32 * 10**9 // 20}


def test_a_custom_behaviour_rewrites_only_its_nodes() -> None:
    # A behaviour of the caller's own (SimConfig.behaviours): drop every own proposal.
    rewritten: set[int] = set()

    def mute(actions: Sequence[Action], attacker: Attacker) -> list[Output]:
        rewritten.add(int(attacker.node.index))
        return [a for a in actions if not isinstance(getattr(a, "message", None), Proposal)]

    config = SimConfig(
        validators=7, rounds=30, seed=1, byzantine={"mute": 2}, behaviours={"mute": mute},
        scheme="insecure-hash",
    )  # fmt: skip
    report = run_simulation(config)
    assert rewritten == {5, 6}
    assert report.violations == []
    assert report.extra["byzantine"] == {"5": "mute", "6": "mute"}
    assert report.extra["byzantine_proposal_share"] == 0.0
    assert min(len(chain) for chain in report.committed.values()) >= 10
