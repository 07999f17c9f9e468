"""The simulated world: agreed blocks reach the hooks once each, in height order."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from zkpov.sim.node import SimNode
from zkpov.sim.scenarios import SimConfig
from zkpov.sim.setup import build_world
from zkpov.spec.messages import Block
from zkpov.types import Height


@dataclasses.dataclass
class Holder:
    nodes: Sequence[SimNode]


def test_agreed_blocks_reach_the_hooks_once_from_an_honest_log() -> None:
    config = SimConfig(validators=4, scheme="insecure-hash", byzantine={"withholder": 1})
    world = build_world(config)
    log = [dataclasses.replace(world.genesis, height=Height(h)) for h in (1, 2, 3)]
    world.nodes[3].committed = [dataclasses.replace(b, payload=b"\x90") for b in log]  # Byzantine
    world.nodes[1].committed = list(log)
    seen: list[Block] = []
    world.on_canonical_hooks.append(seen.append)
    world.on_canonical([b.id for b in log[:2]], Holder(world.nodes))
    world.on_canonical([b.id for b in log], Holder(world.nodes))
    assert seen == log and world.processed_height == 3
