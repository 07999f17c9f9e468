"""What the RPC hears of commits: the commit pipeline's listener, which turns each committed
block and each new proven-final height into a node event for ``/events`` subscribers and into
metrics. The commit pipeline (:mod:`zkpov.node.state.commit_pipeline`) knows nothing of either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from zkpov.node.rpc.events import EventHub
from zkpov.node.rpc.metrics import CommitStats, NodeMetrics
from zkpov.node.rpc.view import EventKind, NodeEvent
from zkpov.spec.messages import Block

__all__ = ["CommitFeed"]


@dataclass
class CommitFeed:
    events: EventHub
    metrics: NodeMetrics

    def on_block_committed(self, block: Block, num_txs: int) -> None:
        kind = EventKind.FINALIZED
        self.events.publish(
            NodeEvent(kind, block.height, block.id, block.state_root, block.round, num_txs)
        )
        self.metrics.on_block_committed(CommitStats(block.height, num_txs, 0, 0, time.monotonic()))

    def on_proven_final(self, height: int, block: Block | None) -> None:
        self.metrics.on_proven_final(height)
        if block is not None:
            event = NodeEvent(
                EventKind.PROVEN_FINAL, block.height, block.id, block.state_root, block.round, 0
            )
            self.events.publish(event)

    def on_mempool_size(self, size: int) -> None:
        self.metrics.on_mempool_size(size)
