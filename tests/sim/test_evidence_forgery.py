"""Proposers abusing the evidence inside blocks (sim/evidence_forgery.py), with and without
epochs: every voter's evidence check refuses their blocks (0 violations, nobody honest slashed);
with that check switched off (the test-only seam) their evidence reaches the agreed log and the
evidence invariants (sim/evidence_invariants.py) report it."""

from __future__ import annotations

import pytest

from zkpov.consensus.evidence_check import EvidenceChecker
from zkpov.consensus.evidence_index import get_offence
from zkpov.sim.evidence_forgery import get_committed_evidence
from zkpov.sim.runner import Simulation
from zkpov.sim.scenarios import SimConfig
from zkpov.spec.codec.evidence import decode_evidence
from zkpov.spec.messages import Block

ATTACKER = 3  # Byzantine roles take the highest indices
CASES = [("forged_evidence_proposer", "evidence_validity"), ("evidence_replayer", "evidence_once")]


def _run(
    kind: str, epoch_length: int | None, *, skip: bool = False, **options: object
) -> Simulation:
    config = SimConfig(
        validators=4, rounds=40, seed=1, byzantine={kind: 1}, epoch_length=epoch_length,
        test_only_skip_evidence_check=skip, **options,  # type: ignore[arg-type]
    )  # fmt: skip
    sim = Simulation(config)
    sim.report = sim.run()  # type: ignore[attr-defined]
    return sim


def _attacker_blocks(sim: Simulation) -> list[Block]:
    return [b for b in sim.nodes[0].committed if b.proposer == ATTACKER and b.evidence]


@pytest.mark.parametrize("epoch_length", [None, 8])
@pytest.mark.parametrize(("kind", "violation"), CASES)
def test_voters_refuse_abused_evidence(kind: str, violation: str, epoch_length: int | None) -> None:
    sim = _run(kind, epoch_length)
    report = sim.report  # type: ignore[attr-defined]
    assert report.violations == []
    assert len(sim.nodes[0].committed) >= 10  # the chain goes on without the attacker's blocks
    assert set(report.slashed) <= {ATTACKER}  # only a real equivocator is ever slashed
    if kind == "forged_evidence_proposer":
        assert _attacker_blocks(sim) == []


@pytest.mark.parametrize("epoch_length", [None, 8])
@pytest.mark.parametrize(("kind", "violation"), CASES)
def test_without_the_check_the_evidence_is_committed(
    kind: str, violation: str, epoch_length: int | None
) -> None:
    report = _run(kind, epoch_length, skip=True).report  # type: ignore[attr-defined]
    assert report.violation_counts.get(violation, 0) > 0
    # the chain's economics re-verify each item (chain/evidence.py): the forged double vote
    # is committed but slashes nobody, so this is not what keeps honest validators unslashed
    assert "honest_slashed" not in report.violation_counts


def test_the_committed_offence_index_survives_restarts() -> None:
    sim = _run("evidence_replayer", None, random_restarts=((0, 3),))
    report = sim.report  # type: ignore[attr-defined]
    node = sim.nodes[0]
    assert report.violations == [] and node.lives >= 2
    logged = {get_offence(decode_evidence(i)) for b in node.committed for i in b.evidence}
    assert logged and node.offences.offences == logged  # what it committed before a crash too


def test_the_replayer_picks_committed_evidence_not_its_own() -> None:
    blocks = [Block.__new__(Block) for _ in range(2)]
    object.__setattr__(blocks[0], "evidence", (b"a", b"b"))
    object.__setattr__(blocks[1], "evidence", (b"c", b"a"))
    assert get_committed_evidence(blocks, (b"c",)) == (b"a", b"b")


@pytest.mark.parametrize("kind", ["double_voter", "twins"])
def test_honest_proposers_include_each_offence_once(kind: str) -> None:
    """Before the simulator's voters checked evidence, honest proposers re-included pending
    evidence on every uncommitted block until one committed (double_voter, seed 1: 49 items for
    38 offences), blocks the node's voters refuse; now evidence_once holds."""
    sim = _run(kind, None)
    report = sim.report  # type: ignore[attr-defined]
    assert report.violations == [] and set(report.slashed) == {ATTACKER}
    items = [get_offence(decode_evidence(i)) for b in sim.nodes[0].committed for i in b.evidence]
    assert items and len(items) == len(set(items))


@pytest.mark.parametrize("skip", [False, True])
def test_under_epochs_the_evidence_check_wraps_the_epoch_checker(skip: bool) -> None:
    """Evidence first (cheap caps, one batched signature check), then the epoch's rules and
    its speculative economics; the core holds the outer one, so select_evidence finds it."""
    sim = _run("double_voter", 8, skip=skip)
    node = sim.nodes[0]
    assert node.core is not None and node.manager is not None
    epoch_checker = node.manager.checker
    if skip:
        assert node.core.checker is epoch_checker
        return
    assert isinstance(node.core.checker, EvidenceChecker)
    assert node.core.checker.inner is epoch_checker and node.core.checker.index is node.offences
    assert node.core.checker.vset is node.core.vset  # the epoch's set
