"""What ``zkpov devnet`` reports at the end of a run (:class:`DevnetReport`), read back from
its nodes: finality, agreement, proofs, throughput, evidence, ledgers and epochs."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from zkpov.devnet.chain_reads import check_agreement, compute_percentiles, count_proofs
from zkpov.devnet.economics import read_ledgers
from zkpov.devnet.epochs import read_epochs
from zkpov.devnet.evidence import count_committed_evidence
from zkpov.devnet.load import NodeProgress, Tracker
from zkpov.devnet.options import DevnetOptions
from zkpov.node.rpc.client import RpcClient
from zkpov.node.state.bootstrap import build_chain_start
from zkpov.node.state.genesis import read_genesis

__all__ = ["DevnetReport", "get_honest", "summarize"]


@dataclass
class DevnetReport:
    finalized_height: int = 0
    nodes_agree: bool = False
    proofs_verified: int = 0
    proven_final_height: int = 0
    txs_submitted: int = 0
    txs_committed: int = 0
    commit_latency_s: dict[str, float] = field(default_factory=dict)
    block_interval_s: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0
    ordered_tx_per_s: float = 0.0
    proven_tx_per_s: float = 0.0
    node_cpu_seconds: list[float] = field(default_factory=list)
    node_max_rss_mb: list[float] = field(default_factory=list)
    load_note: str = ""
    stopped_early: bool = False  # SIGINT or SIGTERM ended the run before its target
    byzantine: dict[str, str] = field(default_factory=dict)  # validator index -> attack mode
    evidence: dict[str, dict[str, int]] = field(default_factory=dict)  # offender -> kind -> n
    slashed: dict[str, int] = field(default_factory=dict)  # validator index -> stake burned
    rewards_paid: int = 0  # tokens minted as block rewards (an honest node's staking ledger)
    supply_conserved: bool = False  # every node's staking ledger balances
    staking_deposited: int = 0  # bonds the ledger took in from accounts (devnet delegates: 1)
    epochs: int = 0  # epoch changes every node has seen (--epoch-length)
    validator_set_changes: list[dict[str, Any]] = field(default_factory=list)  # epoch, joined, left
    joined_signed_qcs: dict[str, int] = field(default_factory=dict)  # joiner -> QCs it signed
    nodes: list[NodeProgress] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out.pop("nodes")
        return out


async def summarize(
    options: DevnetOptions, clients: list[RpcClient], tracker: Tracker, progress: list[NodeProgress]
) -> DevnetReport:
    final = min(p.height for p in progress)
    intervals = [
        b - a for a, b in zip(tracker.commit_times, tracker.commit_times[1:], strict=False)
    ]
    report = DevnetReport(
        finalized_height=final,
        nodes_agree=await check_agreement(clients, final),
        proofs_verified=await count_proofs(clients[0], tracker, final) if options.proofs else 0,
        proven_final_height=min(p.proven_final for p in progress),
        txs_submitted=tracker.committed + len(tracker.load.submitted_at),
        txs_committed=tracker.committed,
        commit_latency_s=compute_percentiles(tracker.latencies),
        block_interval_s=compute_percentiles(intervals),
        nodes=progress,
        byzantine={str(index): mode for mode, index in options.byzantine},
        evidence=await _read_evidence(options, clients, final),
    )
    ledgers = await read_ledgers(clients, get_honest(options, len(clients)))
    report.slashed, report.rewards_paid = ledgers.slashed, ledgers.rewards_paid
    report.supply_conserved = ledgers.supply_conserved
    report.staking_deposited = ledgers.deposited
    epochs = await read_epochs(clients, get_honest(options, len(clients)))
    report.epochs, report.validator_set_changes = epochs.epochs, epochs.validator_set_changes
    report.nodes_agree = report.nodes_agree and epochs.agree
    in_flight = options.validators * options.batch_size if options.proofs else options.in_flight
    span = (
        tracker.commit_times[-1] - tracker.commit_times[0] if len(tracker.commit_times) > 1 else 0
    )
    proven_txs = sum(n for h, n in tracker.tx_heights.items() if h <= report.proven_final_height)
    report.ordered_tx_per_s = round(tracker.committed / span, 2) if span else 0.0
    report.proven_tx_per_s = round(proven_txs / span, 2) if span else 0.0
    report.load_note = (
        f"load kept at {in_flight} transfers in flight: each proposer proves its batch of"
        f" {options.batch_size} (Groth16, depth {options.depth}) before it takes more, and"
        f" blocks carry the proofs at most {options.proof_lag} heights behind"
        if options.proofs
        else f"proofs off: load kept at {in_flight} transfers in flight"
    )
    return report


async def _read_evidence(
    options: DevnetOptions, clients: list[RpcClient], height: int
) -> dict[str, dict[str, int]]:
    """From the first node that runs no attack mode (the attackers' own view is not asked)."""
    honest = get_honest(options, len(clients))
    genesis = read_genesis(options.directory / f"node{honest}" / "genesis.json")
    return await count_committed_evidence(clients[honest], height, build_chain_start(genesis).vset)


def get_honest(options: DevnetOptions, count: int) -> int:
    attackers = {index for _, index in options.byzantine}
    return next(i for i in range(count) if i not in attackers)
