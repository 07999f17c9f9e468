"""What the RPC hears of blocks: the commit pipeline's listener, which turns each committed
block and each new proven-final height into a node event for ``/events`` subscribers and into
metrics. The commit pipeline (:mod:`zkpov.node.state.commit_pipeline`) knows nothing of either.
After each consensus step the runtime also hands it the block tree, and each newly certified block
(on the chain of the highest QC, held by this node) becomes a ``new_block`` event.

For the commit latency it remembers when this node first accepted (or made) each proposal, for
at most :data:`MAX_REMEMBERED_PROPOSALS` blocks.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from zkpov.consensus.block_tree import BlockTree
from zkpov.errors import DecodeError
from zkpov.node.rpc.events import EventHub
from zkpov.node.rpc.metrics import CommitStats, NodeMetrics
from zkpov.node.rpc.view import EventKind, NodeEvent
from zkpov.spec.codec.evidence import decode_evidence
from zkpov.spec.codec.payload import decode_payload
from zkpov.spec.encoding import get_bitfield_indices
from zkpov.spec.evidence import get_offender
from zkpov.spec.messages import Block, Proposal
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BlockId

__all__ = ["MAX_CERTIFIED_PER_STEP", "MAX_REMEMBERED_PROPOSALS", "CommitFeed"]

log = logging.getLogger("zkpov.node.commits")

MAX_REMEMBERED_PROPOSALS = 1024
MAX_CERTIFIED_PER_STEP = 64


@dataclass
class CommitFeed:
    events: EventHub
    metrics: NodeMetrics
    vset: ValidatorSet
    proposed_at: dict[BlockId, float] = field(default_factory=dict)
    last_certified_height: int = 0

    def on_certified(self, tree: BlockTree) -> None:
        """Publishes ``new_block`` once for each block certified since the last call: the
        highest QC's block and its ancestors above the last one published (each block carries
        its parent's QC), oldest first, at most :data:`MAX_CERTIFIED_PER_STEP` of them."""
        fresh = self._get_newly_certified(tree)
        for block, num_txs in reversed(fresh):
            self.events.publish(
                NodeEvent(EventKind.NEW_BLOCK, block.height, block.id, block.state_root,
                          block.round, num_txs)
            )  # fmt: skip
        if fresh:
            self.last_certified_height = fresh[0][0].height

    def _get_newly_certified(self, tree: BlockTree) -> list[tuple[Block, int]]:
        """Newest first; a block not held (still syncing) ends the walk."""
        found: list[tuple[Block, int]] = []
        block = tree.get(tree.hqc.block_id)
        while block is not None and block.height > self.last_certified_height:
            if len(found) == MAX_CERTIFIED_PER_STEP:
                break
            try:
                found.append((block, len(decode_payload(block.payload))))
            except DecodeError:
                break  # the tree holds checked blocks only: not reached
            block = tree.get(block.parent_id)
        return found

    def on_proposal(self, proposal: Proposal) -> None:
        """A proposal this node accepted or made: the start of its commit latency."""
        block_id = proposal.block.id
        if block_id in self.proposed_at:
            return
        if len(self.proposed_at) >= MAX_REMEMBERED_PROPOSALS:
            del self.proposed_at[next(iter(self.proposed_at))]
        self.proposed_at[block_id] = time.monotonic()

    def on_block_committed(self, block: Block, num_txs: int) -> None:
        kind = EventKind.FINALIZED
        self.events.publish(
            NodeEvent(kind, block.height, block.id, block.state_root, block.round, num_txs)
        )
        proposed_at = self.proposed_at.pop(block.id, None)
        missing, byzantine = self._get_missing_power(block), self._count_offenders(block)
        stats = CommitStats(
            block.height, num_txs, missing, byzantine, time.monotonic(), proposed_at
        )
        self.metrics.on_block_committed(stats)
        _log_commit(block, stats)

    def _get_missing_power(self, block: Block) -> int:
        """Stake that did not sign the certificate ``block`` carries (none for genesis's)."""
        if block.qc.round == 0:
            return 0
        try:
            signers = get_bitfield_indices(block.qc.signers, len(self.vset))
        except DecodeError:
            return 0  # a committed block's certificate was verified: not reached
        return int(self.vset.total_stake - self.vset.get_power(signers))

    def _count_offenders(self, block: Block) -> int:
        offenders: set[int] = set()
        for encoded in block.evidence:
            try:
                offenders.add(get_offender(decode_evidence(encoded)))
            except DecodeError:
                continue
        return len(offenders)

    def on_proven_final(self, height: int, block: Block | None) -> None:
        self.metrics.on_proven_final(height)
        if block is not None:
            event = NodeEvent(
                EventKind.PROVEN_FINAL, block.height, block.id, block.state_root, block.round, 0
            )
            self.events.publish(event)


def _log_commit(block: Block, stats: CommitStats) -> None:
    """One INFO line per committed block; latency runs from the proposal this node accepted."""
    num_txs = stats.num_txs
    latency = None if stats.proposed_at is None else stats.committed_at - stats.proposed_at
    fields = {
        "height": int(block.height), "round": int(block.round), "transfers": num_txs,
        "proposer": int(block.proposer),
        "latency_s": None if latency is None else round(latency, 3),
    }  # fmt: skip
    shown = "-" if latency is None else f"{latency:.2f} s"
    log.info(
        "committed block %d (round %d, %d transfers, proposer %d, latency %s)",
        block.height, block.round, num_txs, block.proposer, shown, extra=fields,
    )  # fmt: skip
