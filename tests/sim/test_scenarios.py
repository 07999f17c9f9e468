"""Parsing of the CLI's fault options and config validation."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from zkpov.consensus.actions import Action
from zkpov.sim.attack import Attacker, Output
from zkpov.sim.network import Partition
from zkpov.sim.scenarios import (
    CrashSpec,
    ScenarioError,
    SimConfig,
    parse_byzantine,
    parse_crash,
    parse_partition,
)
from zkpov.types import NodeId


def test_parsers() -> None:
    assert parse_byzantine(["twins=1", "withholder=2", "twins=1"]) == {"twins": 2, "withholder": 2}
    assert parse_crash("3@1.5") == CrashSpec(3, 1.5, None)
    assert parse_crash("3@1.5:4") == CrashSpec(3, 1.5, 4.0)
    cut = parse_partition("1:2.5:0-2/3,5")
    assert cut == Partition(
        1.0, 2.5, (frozenset(map(NodeId, (0, 1, 2))), frozenset(map(NodeId, (3, 5))))
    )
    assert cut.is_cut(1.0, NodeId(0), NodeId(3)) and not cut.is_cut(1.0, NodeId(0), NodeId(2))
    assert not cut.is_cut(2.5, NodeId(0), NodeId(3))


@pytest.mark.parametrize("bad", ["x", "1:2", "2:1:0", "1:2:a-b"])
def test_bad_partitions(bad: str) -> None:
    with pytest.raises(ScenarioError):
        parse_partition(bad)


def test_config_validation() -> None:
    with pytest.raises(ScenarioError):
        SimConfig(validators=0)
    with pytest.raises(ScenarioError):
        SimConfig(validators=4, byzantine={"sleepy": 1})
    with pytest.raises(ScenarioError):
        SimConfig(validators=2, byzantine={"twins": 3})


def test_custom_behaviours_are_named_and_counted() -> None:
    def keep(actions: Sequence[Action], attacker: Attacker) -> list[Output]:
        return list(actions)

    SimConfig(validators=4, byzantine={"sleepy": 1}, behaviours={"sleepy": keep})
    with pytest.raises(ScenarioError, match="reuse a built-in name"):
        SimConfig(validators=4, behaviours={"withholder": keep})
    with pytest.raises(ScenarioError, match="reuse a built-in name"):
        SimConfig(validators=4, behaviours={"honest": keep})
    with pytest.raises(ScenarioError, match="more byzantine"):
        SimConfig(validators=2, byzantine={"sleepy": 3}, behaviours={"sleepy": keep})
