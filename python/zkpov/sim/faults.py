"""Scheduled faults: crashes, restarts, and a node crashed and restarted at random moments."""

from __future__ import annotations

import hashlib
import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zkpov.sim.runner import Simulation

__all__ = ["compute_random_restarts", "schedule_crash", "schedule_random_restarts"]


def schedule_crash(sim: Simulation, node_id: int, at: float, restart_at: float | None) -> None:
    """Crash ``node_id`` at ``at`` (losing its core, keeping its durable state); restart it at
    ``restart_at`` unless None."""
    if not 0 <= node_id < len(sim.nodes):
        return
    node = sim.nodes[node_id]

    def crash() -> None:
        node.crashed, node.core = True, None

    sim.queue.schedule(at, crash)
    if restart_at is not None:
        sim.queue.schedule(restart_at, lambda: sim.restart(node))


def compute_random_restarts(
    seed: int, node_id: int, count: int, span: float, timeout: float
) -> list[tuple[float, float]]:
    """``count`` seeded (crash, restart) times in ``[0, span]``, in order, not overlapping: each
    outage lasts one to three timeouts."""
    digest = hashlib.sha256(b"random-restarts %d %d" % (seed, node_id)).digest()
    rng = random.Random(digest)  # noqa: S311 - a seeded fault schedule, not crypto
    crashes = sorted(rng.uniform(0.0, span) for _ in range(count))
    result: list[tuple[float, float]] = []
    ready = 0.0
    for at in crashes:
        start = max(at, ready)
        restart = start + rng.uniform(timeout, 3 * timeout)
        result.append((start, restart))
        ready = restart + timeout  # up for at least a timeout before the next crash
    return result


def schedule_random_restarts(sim: Simulation, node_id: int, count: int) -> None:
    """Crash and restart ``node_id`` ``count`` times at seeded moments of the expected run."""
    config = sim.config
    span = config.rounds * (config.block_time + config.latency.high)
    times = compute_random_restarts(config.seed, node_id, count, span, config.timeout_base)
    for at, restart_at in times:
        schedule_crash(sim, node_id, at, restart_at)
