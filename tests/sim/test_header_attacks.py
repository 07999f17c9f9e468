"""Leaders lying in the header fields light clients read: honest validators refuse their
proposals (no block of theirs commits, the chain goes on, no invariant breaks); without the
drift check the far-future blocks commit, and without the staking-root check the forged roots
do, so the checks are what refuse them."""

from __future__ import annotations

import itertools

import pytest

from zkpov.consensus import core as core_module
from zkpov.consensus import validity as validity_module
from zkpov.constants import MAX_TIMESTAMP_DRIFT_MS
from zkpov.sim.header_forgery import FORGED_STAKING_ROOT, FUTURE_SKEW_MS
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


def _run_staking(**changes: object) -> tuple[Simulation, list[Block]]:
    options: dict[str, object] = {"validators": 4, "rounds": 24, "seed": 1}
    options.update(changes)
    config = SimConfig(scheme="insecure-hash", staking_roots=True, **options)  # type: ignore[arg-type]
    sim = Simulation(config)
    assert sim.run().violations == []
    return sim, sim.nodes[0].committed


def test_voters_with_the_ledger_refuse_a_wrong_staking_root() -> None:
    _, honest = _run_staking()
    roots = [block.staking_root for block in honest]
    assert all(len(root) == 32 for root in roots) and len(set(roots)) == len(roots)
    assert any(block.proposer == ATTACKER for block in honest)
    _, chain = _run_staking(byzantine={"wrong_staking_root_proposer": 1})
    assert len(chain) >= 8 and all(block.proposer != ATTACKER for block in chain)
    assert FORGED_STAKING_ROOT not in {block.staking_root for block in chain}


def test_without_the_staking_root_check_the_forged_root_commits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(validity_module, "check_staking_root", lambda block, root: None)
    _, chain = _run_staking(byzantine={"wrong_staking_root_proposer": 1})
    assert any(block.staking_root == FORGED_STAKING_ROOT for block in chain)


def test_staking_roots_hold_across_epoch_switches() -> None:
    sim, chain = _run_staking(epoch_length=5, rounds=40)
    assert len({block.epoch for block in chain}) >= 3
    assert all(len(block.staking_root) == 32 for block in chain)
    for node in sim.nodes[1:]:  # every voter re-executed the same ledger roots
        assert [b.staking_root for b in node.committed[: len(chain)]] == [
            b.staking_root for b in chain[: len(node.committed)]
        ]
