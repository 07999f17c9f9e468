"""Turning a finished simulation into its :class:`SimReport`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zkpov.sim.metrics import SimReport, summarize

if TYPE_CHECKING:
    from zkpov.sim.runner import Simulation

__all__ = ["build_report"]


def build_report(sim: Simulation) -> SimReport:
    metrics = sim.metrics
    rounds = max(1, sim.max_round)
    happy, sad = metrics.get_round_split()
    total = sum(metrics.per_round.values())
    ledger = sim.world.ledger
    return SimReport(
        committed={n.node_id: [b.id.hex() for b in n.committed] for n in sim.nodes},
        violations=list(sim.invariants.violations),
        evidence=[{"kind": kind, "validator": v} for kind, v in sorted(sim.evidence)],
        slashed=dict(ledger.get_slashed()) if ledger is not None else {},
        latency_rounds=summarize(metrics.latency_rounds),
        latency_seconds=summarize(metrics.latency_seconds),
        messages_per_round=total / rounds,
        messages_per_happy_round=happy,
        messages_per_timeout_round=sad,
        rounds=sim.max_round,
        virtual_seconds=sim.queue.now,
        violation_counts=dict(sim.invariants.counts),
        extra={
            "validators": sim.config.validators,
            "seed": sim.config.seed,
            "scheme": sim.config.scheme,
            "messages_sync": metrics.sync_messages,
            "messages_dropped": sim.network.dropped,
            "rejected_inputs": sum(n.rejected for n in sim.nodes),
            "byzantine": {str(n.node_id): n.behaviour for n in sim.nodes if not n.is_honest},
            "byzantine_proposal_share": compute_byzantine_share(sim),
            "crashed_nodes": sim.crashed_nodes,
            "peak_table_sizes": {str(k): dict(v) for k, v in sorted(sim.tables.peaks.items())},
        },
    )


def compute_byzantine_share(sim: Simulation) -> float:
    """Share of the blocks on the longest honest committed log proposed by Byzantine validators."""
    honest = [n.committed for n in sim.nodes if n.is_honest]
    log = max(honest, key=len, default=[])
    byzantine = {n.index for n in sim.nodes if not n.is_honest}
    return sum(b.proposer in byzantine for b in log) / len(log) if log else 0.0
