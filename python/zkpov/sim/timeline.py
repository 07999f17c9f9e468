"""Building a run's :class:`SimSeries` from what the runner recorded (``Metrics``, the nodes,
the configured faults)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from zkpov.sim.faults import make_random_crashes
from zkpov.sim.metrics import Metrics
from zkpov.sim.node import SimNode
from zkpov.sim.scenarios import SimConfig
from zkpov.sim.series import BlockRow, FaultEvent, RoundRow, SimSeries
from zkpov.sim.setup import compute_stakes

__all__ = ["build_series", "rank_honest_nodes"]


def build_series(
    config: SimConfig, nodes: Sequence[SimNode], metrics: Metrics, rounds: int, end: float
) -> SimSeries:
    """The series of a run that reached honest round ``rounds`` at virtual time ``end``."""
    round_rows = get_round_rows(metrics, rounds)
    return SimSeries(
        rounds=round_rows,
        blocks=get_block_rows(nodes, metrics),
        heights=tuple(metrics.height_changes),
        latency_seconds=tuple(metrics.latency_seconds),
        events=get_fault_events(config, metrics, end) + get_leader_events(nodes, round_rows),
        byzantine={int(n.node_id): n.behaviour for n in nodes if not n.is_honest},
        validator_of={int(n.node_id): int(n.index) for n in nodes},
        stakes=tuple(int(s) for s in compute_stakes(config)),
        virtual_seconds=end,
    )


def get_round_rows(metrics: Metrics, rounds: int) -> tuple[RoundRow, ...]:
    """Rounds 1..``rounds`` (messages for rounds no honest node reached are left out)."""
    leaders: dict[int, int | None] = {}
    for round_, leader in metrics.round_leaders:
        leaders.setdefault(round_, leader)
    return tuple(
        RoundRow(
            r,
            metrics.round_entered_at.get(r),
            leaders.get(r),
            metrics.per_round.get(r, 0),
            metrics.timeouts_per_round.get(r, 0),
        )
        for r in range(1, rounds + 1)
    )


def rank_honest_nodes(nodes: Sequence[SimNode]) -> list[SimNode]:
    """The honest nodes, the one with the longest committed log first."""
    honest = [n for n in nodes if n.is_honest]
    return sorted(honest, key=lambda n: -len(n.committed))


def get_block_rows(nodes: Sequence[SimNode], metrics: Metrics) -> tuple[BlockRow, ...]:
    ranked = rank_honest_nodes(nodes)
    log = ranked[0].committed if ranked else []
    return tuple(
        BlockRow(
            height,
            int(b.round),
            int(b.proposer),
            b.id.hex(),
            metrics.proposed_at.get(b.id),
            metrics.first_commit_at.get(b.id),
        )
        for height, b in enumerate(log, start=1)
    )


def get_fault_events(config: SimConfig, metrics: Metrics, end: float) -> tuple[FaultEvent, ...]:
    """Configured crashes (to their restart, else the end), partitions, and core failures."""
    specs = list(config.crashes)
    for node_id, count in config.random_restarts:
        specs += make_random_crashes(config, node_id, count)
    events = [
        FaultEvent(s.at, end if s.restart_at is None else s.restart_at, "crash", (s.node,))
        for s in specs
    ]
    for p in config.partitions:
        events.append(FaultEvent(p.start, p.end, "partition", (), format_groups(p.groups)))
    events += [FaultEvent(t, t, "core_failure", (node,)) for t, node in metrics.failures]
    return tuple(sorted(events, key=lambda e: (e.start, e.kind)))


def format_groups(groups: Sequence[Iterable[int]]) -> str:
    """Partition groups as ``0-3/4,6``: ranges joined by commas, groups by slashes."""
    return "/".join(",".join(_format_runs(sorted(group))) for group in groups)


def _format_runs(ids: list[int]) -> list[str]:
    runs: list[list[int]] = []
    for i in ids:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return [str(a) if a == b else f"{a}-{b}" for a, b in runs]


def get_leader_events(
    nodes: Sequence[SimNode], rounds: Sequence[RoundRow]
) -> tuple[FaultEvent, ...]:
    """The rounds honest nodes saw a Byzantine validator lead (when the attacks can act)."""
    byzantine = {int(n.index): int(n.node_id) for n in nodes if not n.is_honest}
    return tuple(
        FaultEvent(r.entered_at, r.entered_at, "byzantine_leader", (byzantine[r.leader],))
        for r in rounds
        if r.leader in byzantine and r.entered_at is not None
    )
