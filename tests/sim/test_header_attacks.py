"""Leaders lying in the header fields light clients read: honest validators refuse their
proposals (no block of theirs commits, the chain goes on, no invariant breaks); without the
drift check the far-future blocks commit, so the check is what refuses them."""

from __future__ import annotations

import itertools

import pytest

from zkpov.consensus import core as core_module
from zkpov.constants import MAX_TIMESTAMP_DRIFT_MS
from zkpov.sim.header_forgery import FUTURE_SKEW_MS
from zkpov.sim.runner import Simulation
from zkpov.sim.scenarios import SimConfig
from zkpov.spec.messages import Block

ATTACKER = 3  # the last validator is the Byzantine one
KINDS = ["future_timestamp_proposer", "stale_timestamp_proposer", "wrong_set_proposer"]


def _run(kind: str) -> tuple[Simulation, list[Block]]:
    config = SimConfig(validators=4, rounds=24, seed=1, byzantine={kind: 1}, scheme="insecure-hash")
    sim = Simulation(config)
    report = sim.run()
    assert report.violations == []
    return sim, sim.nodes[0].committed


def _check_headers(sim: Simulation, chain: list[Block]) -> None:
    for parent, block in itertools.pairwise(chain):
        assert block.timestamp_ms > parent.timestamp_ms
        assert block.validator_set_commitment == sim.vset.commitment
        assert block.next_validator_set_commitment == b""


@pytest.mark.parametrize("kind", KINDS)
def test_honest_validators_refuse_the_lying_leader(kind: str) -> None:
    sim, chain = _run(kind)
    assert len(chain) >= 8
    assert all(block.proposer != ATTACKER for block in chain)
    _check_headers(sim, chain)
    assert sum(node.rejected for node in sim.nodes if node.is_honest) > 0


def test_an_honest_run_commits_the_fourth_validators_blocks() -> None:
    sim = Simulation(SimConfig(validators=4, rounds=24, seed=1, scheme="insecure-hash"))
    sim.run()
    chain = sim.nodes[0].committed
    assert any(block.proposer == ATTACKER for block in chain)
    assert sum(node.rejected for node in sim.nodes) == 0
    _check_headers(sim, chain)


def test_without_the_drift_check_far_future_blocks_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core_module, "check_timestamp_drift", lambda block, wall_ms: None)
    sim, chain = _run("future_timestamp_proposer")
    assert any(block.proposer == ATTACKER for block in chain)
    # the chain's clock ran away from the validators' (honest blocks must follow their parent)
    clock_ms = sim.queue.now * 1000
    assert chain[-1].timestamp_ms > clock_ms + FUTURE_SKEW_MS > clock_ms + MAX_TIMESTAMP_DRIFT_MS
