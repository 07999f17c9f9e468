"""Scheduled faults: crashes, restarts, and a node crashed and restarted at random moments."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence

from zkpov.sim.clock import EventQueue
from zkpov.sim.node import SimNode
from zkpov.sim.scenarios import CrashSpec, SimConfig

__all__ = [
    "compute_random_restarts",
    "make_random_crashes",
    "schedule_crash",
    "schedule_faults",
]

Restart = Callable[[SimNode], None]


def schedule_faults(
    config: SimConfig, queue: EventQueue, nodes: Sequence[SimNode], restart: Restart
) -> None:
    """Put ``config``'s crashes, then its seeded random restarts, on ``queue``."""
    specs = list(config.crashes)
    for node_id, count in config.random_restarts:
        specs += make_random_crashes(config, node_id, count)
    for spec in specs:
        schedule_crash(queue, nodes, restart, spec)


def schedule_crash(
    queue: EventQueue, nodes: Sequence[SimNode], restart: Restart, spec: CrashSpec
) -> None:
    """Crash node ``spec.node`` at ``spec.at`` (losing its core, keeping its durable state); call
    ``restart`` on it at ``spec.restart_at`` unless None. A node id out of range is ignored."""
    if not 0 <= spec.node < len(nodes):
        return
    node = nodes[spec.node]

    def crash() -> None:
        node.crashed, node.core = True, None

    queue.schedule(spec.at, crash)
    if spec.restart_at is not None:
        queue.schedule(spec.restart_at, lambda: restart(node))


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


def make_random_crashes(config: SimConfig, node_id: int, count: int) -> list[CrashSpec]:
    """``count`` crashes of ``node_id``, each with its restart, at seeded moments of the expected
    run."""
    span = config.rounds * (config.block_time + config.latency.high)
    times = compute_random_restarts(config.seed, node_id, count, span, config.timeout_base)
    return [CrashSpec(node_id, at, restart_at) for at, restart_at in times]
