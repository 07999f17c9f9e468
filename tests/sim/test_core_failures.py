"""A core that raises anything but a ZkpovError is fatal for that core: the simulator counts a
crash and restarts the node from its durable state; the run goes on. Own-vote delivery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from zkpov.consensus.actions import Broadcast, SendTo
from zkpov.consensus.core import ConsensusCore
from zkpov.errors import ProposalError
from zkpov.sim import SimConfig
from zkpov.sim.node import SimNode
from zkpov.sim.runner import Simulation
from zkpov.sim.scenarios import parse_crash
from zkpov.types import ValidatorIndex

VICTIM = 1


def fail_once(
    monkeypatch: pytest.MonkeyPatch, method: str, error: Exception, after: float = 3.0
) -> None:
    """Make ``ConsensusCore.method`` of the victim raise ``error`` once, after ``after`` s."""
    original: Callable[..., Any] = getattr(ConsensusCore, method)
    state = {"failed": False}

    def failing(core: ConsensusCore, *args: Any, **kwargs: Any) -> Any:
        if core.index == VICTIM and not state["failed"] and core.now >= after:
            state["failed"] = True
            raise error
        return original(core, *args, **kwargs)

    monkeypatch.setattr(ConsensusCore, method, failing)


def run(**options: Any) -> tuple[Simulation, Any]:
    config = SimConfig(validators=4, rounds=20, seed=2, **options)
    sim = Simulation(config)
    return sim, sim.run()


@pytest.mark.parametrize(
    ("method", "error"),
    [
        ("on_proposal", RuntimeError("failed mid-mutation")),
        ("on_vote", RecursionError("maximum recursion depth exceeded")),
        ("on_timeout", KeyError("bug")),
        ("on_tick", RuntimeError("failed mid-mutation")),
        ("start", RuntimeError("failed at boot")),
    ],
)
def test_a_fatal_core_exception_restarts_the_node_from_durable_state(
    monkeypatch: pytest.MonkeyPatch, method: str, error: Exception
) -> None:
    after = 0.0 if method in ("start", "on_timeout") else 3.0
    fail_once(monkeypatch, method, error, after)
    crashes = (parse_crash("0@1.0"),) if method == "on_timeout" else ()  # a round times out
    sim, report = run(crashes=crashes, scheme="insecure-hash")
    node = sim.nodes[VICTIM]
    assert report.extra["crashed_nodes"] == 1 and node.failures == 1
    assert node.lives == 2 and type(error).__name__ in node.last_failure
    assert report.violations == []
    assert node.core is not None and node.store.load() == node.core.safety.data
    longest = max(len(ids) for ids in report.committed.values())
    assert longest >= 12 and len(report.committed[VICTIM]) >= longest - 3


def test_a_rejected_input_is_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    fail_once(monkeypatch, "on_proposal", ProposalError("bad proposal"))
    sim, report = run()  # real BLS
    assert report.extra["crashed_nodes"] == 0 and sim.nodes[VICTIM].lives == 1
    assert report.extra["rejected_inputs"] >= 1 and report.violations == []


def test_a_send_to_oneself_comes_back_and_a_broadcast_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    received: list[tuple[int, object, float]] = []

    def spy(node: SimNode, message: object, sender: ValidatorIndex, now: float) -> list[Any]:
        received.append((node.node_id, message, now))
        return []

    monkeypatch.setattr(SimNode, "handle", spy)
    sim = Simulation(SimConfig(validators=4, scheme="insecure-hash"))
    for peer in sim.nodes:
        sim.world.boot(peer)
    node = sim.nodes[0]
    sim._perform(node, SendTo(ValidatorIndex(0), "own vote"))  # type: ignore[arg-type]
    sim._perform(node, Broadcast("to all"))  # type: ignore[arg-type]
    while sim.queue.run_next():
        pass
    assert (0, "own vote", 0.0) in received
    assert sorted(n for n, m, _ in received if m == "to all") == [1, 2, 3]
