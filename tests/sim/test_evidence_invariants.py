"""The agreed log's evidence invariants (sim/evidence_invariants.py) catch what they name."""

from __future__ import annotations

import dataclasses

from zkpov.consensus.equivocation import forge_double_vote
from zkpov.sim.chain_state import CanonicalChainState
from zkpov.sim.evidence_invariants import CanonicalEvidence, get_honest_validators
from zkpov.sim.scenarios import SimConfig
from zkpov.sim.setup import build_world, get_keys
from zkpov.spec.messages import Block
from zkpov.types import Round, Stake, ValidatorIndex

CONFIG = SimConfig(validators=4, scheme="insecure-hash", byzantine={"twins": 1})


def _checker() -> tuple[CanonicalEvidence, list[str], Block]:
    world = build_world(CONFIG)
    found: list[str] = []
    chain = CanonicalChainState(world.vset, lambda kind, _: found.append(kind))
    honest = get_honest_validators(world.nodes)
    return CanonicalEvidence(chain, honest, chain.report), found, world.genesis


def test_twins_are_not_honest() -> None:
    assert get_honest_validators(build_world(CONFIG).nodes) == frozenset({0, 1, 2})


def test_a_slashed_honest_validator_is_reported() -> None:
    checker, found, genesis = _checker()
    checker.after_block(genesis)
    checker.chain.state.validators[3].slashed_amount = Stake(5)  # the twin: it equivocates
    checker.after_block(genesis)
    assert found == []
    checker.chain.state.validators[0].slashed_amount = Stake(5)
    checker.after_block(genesis)
    assert found == ["honest_slashed"]


def test_forged_and_repeated_evidence_are_reported() -> None:
    checker, found, genesis = _checker()
    sk = get_keys("insecure-hash", 4)[3][0]
    forged = forge_double_vote(ValidatorIndex(0), Round(4), genesis, checker.chain.vset.scheme, sk)
    block = dataclasses.replace(genesis, round=Round(5), evidence=(forged,))
    checker.on_block(block)
    assert found == ["evidence_validity"]
    own = get_keys("insecure-hash", 4)[0][0]  # the same double vote, really signed by 0
    real = forge_double_vote(ValidatorIndex(0), Round(4), genesis, checker.chain.vset.scheme, own)
    checker.on_block(dataclasses.replace(block, evidence=(real,)))
    assert found == ["evidence_validity"]
    checker.on_block(dataclasses.replace(block, round=Round(6), evidence=(real,)))
    assert found == ["evidence_validity", "evidence_once"]
