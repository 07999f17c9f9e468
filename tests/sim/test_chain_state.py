"""The chain state of the agreed log: each agreed block applied once, the supply checked after
each, and the stake slashed per consensus index."""

from __future__ import annotations

import dataclasses

from zkpov.sim.chain_state import CanonicalChainState
from zkpov.sim.runner import Simulation
from zkpov.sim.scenarios import SimConfig
from zkpov.sim.setup import build_world
from zkpov.types import Height, Stake


def test_a_supply_that_does_not_add_up_is_reported() -> None:
    world = build_world(SimConfig(validators=4, scheme="insecure-hash"))
    reports: list[tuple[str, str]] = []
    chain = CanonicalChainState(world.vset, lambda kind, detail: reports.append((kind, detail)))
    chain.on_block(dataclasses.replace(world.genesis, height=Height(1)))
    assert reports == [] and chain.state.height == 1
    chain.state.minted += 1
    chain.on_block(dataclasses.replace(world.genesis, height=Height(2)))
    assert [kind for kind, _ in reports] == ["stake_conservation"]


def test_slashed_stake_is_keyed_by_consensus_index() -> None:
    world = build_world(SimConfig(validators=4, scheme="insecure-hash"))
    chain = CanonicalChainState(world.vset, lambda kind, detail: None)
    assert chain.get_slashed() == {}
    chain.state.validators[chain.state.active[2]].slashed_amount = Stake(7)
    assert chain.get_slashed() == {2: 7}


def test_a_run_applies_every_agreed_block_once() -> None:
    sim = Simulation(SimConfig(validators=4, rounds=8, seed=1, scheme="insecure-hash"))
    report = sim.run()
    longest = max(len(log) for log in report.committed.values())
    assert longest > 0 and sim.chain_state.state.height == longest
    assert report.slashed == sim.chain_state.get_slashed() == {}
