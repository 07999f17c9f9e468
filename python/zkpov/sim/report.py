"""Turning what a finished simulation leaves into its :class:`SimReport`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from zkpov.sim.metrics import Metrics, SimReport, summarize
from zkpov.sim.node import SimNode
from zkpov.sim.scenarios import SimConfig
from zkpov.sim.timeline import build_series
from zkpov.types import NodeId

__all__ = ["build_report"]


def build_report(
    config: SimConfig,
    nodes: Sequence[SimNode],
    metrics: Metrics,
    *,
    violations: Sequence[str],
    violation_counts: Mapping[str, int],
    evidence: Iterable[tuple[str, int]],
    slashed: Mapping[int, int],
    rounds: int,
    virtual_seconds: float,
    messages_dropped: int,
    crashed_nodes: int,
    table_peaks: Mapping[NodeId, Mapping[str, int]],
    epochs: Mapping[str, Any] | None = None,
) -> SimReport:
    """The report of a run: ``nodes`` with their committed logs, the ``metrics``, the invariant
    ``violations``, the ``(kind, validator)`` pairs of recorded ``evidence``, the stake ``slashed``
    per validator, the highest honest round reached and the virtual time at the end."""
    happy, sad = metrics.get_round_split()
    total = sum(metrics.per_round.values())
    return SimReport(
        committed={n.node_id: [b.id.hex() for b in n.committed] for n in nodes},
        violations=list(violations),
        evidence=[{"kind": kind, "validator": v} for kind, v in sorted(evidence)],
        slashed=dict(slashed),
        latency_rounds=summarize(metrics.latency_rounds),
        latency_seconds=summarize(metrics.latency_seconds),
        messages_per_round=total / max(1, rounds),
        messages_per_happy_round=happy,
        messages_per_timeout_round=sad,
        rounds=rounds,
        virtual_seconds=virtual_seconds,
        violation_counts=dict(violation_counts),
        extra={
            **_build_extra(config, nodes, metrics, messages_dropped, crashed_nodes, table_peaks),
            **({"epochs": dict(epochs)} if epochs is not None else {}),
        },
        series=build_series(config, nodes, metrics, rounds, virtual_seconds),
    )


def _build_extra(
    config: SimConfig,
    nodes: Sequence[SimNode],
    metrics: Metrics,
    messages_dropped: int,
    crashed_nodes: int,
    table_peaks: Mapping[NodeId, Mapping[str, int]],
) -> dict[str, Any]:
    return {
        "validators": config.validators,
        "seed": config.seed,
        "scheme": config.scheme,
        "messages_sync": metrics.sync_messages,
        "messages_dropped": messages_dropped,
        "rejected_inputs": sum(n.rejected for n in nodes),
        "byzantine": {str(n.node_id): n.behaviour for n in nodes if not n.is_honest},
        "byzantine_proposal_share": compute_byzantine_share(nodes),
        "crashed_nodes": crashed_nodes,
        "peak_table_sizes": {str(k): dict(v) for k, v in sorted(table_peaks.items())},
    }


def compute_byzantine_share(nodes: Sequence[SimNode]) -> float:
    """Share of the blocks on the longest honest committed log proposed by Byzantine validators."""
    honest = [n.committed for n in nodes if n.is_honest]
    log = max(honest, key=len, default=[])
    byzantine = {n.index for n in nodes if not n.is_honest}
    return sum(b.proposer in byzantine for b in log) / len(log) if log else 0.0
