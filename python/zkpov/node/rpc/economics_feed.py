"""What the RPC hears of the staking ledger after each commit: a ``slashed`` event per offender
a block's evidence burned, a ``rewards`` event per block that minted, and the staking metrics
(:mod:`~zkpov.node.rpc.economics_metrics`), a broken supply counted there."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from zkpov.chain.containers import ChainState
from zkpov.node.rpc.economics_metrics import EconomicsMetrics
from zkpov.node.rpc.events import EventHub
from zkpov.node.rpc.staking_view import compute_supply
from zkpov.node.rpc.view import EventKind, NodeEvent
from zkpov.node.state.economics import BlockEconomics
from zkpov.spec.messages import Block

__all__ = ["EconomicsFeed"]

log = logging.getLogger("zkpov.node.economics")


@dataclass
class EconomicsFeed:
    events: EventHub
    metrics: EconomicsMetrics

    def on_start(self, ledger: ChainState) -> None:
        self.metrics.on_supply(compute_supply(ledger))

    def on_commit(
        self, blocks: Sequence[Block], records: Sequence[BlockEconomics], ledger: ChainState
    ) -> None:
        """``records[i]`` is what ``blocks[i]`` did; ``ledger`` is the state after them all."""
        for block, record in zip(blocks, records, strict=True):
            self._publish(block, record)
            if not record.supply_conserved:
                self.metrics.on_supply_violation()
        self.metrics.on_supply(compute_supply(ledger))

    def _publish(self, block: Block, record: BlockEconomics) -> None:
        for validator, amount in sorted(record.slashed.items()):
            log.warning("validator %d slashed %d at height %d", validator, amount, block.height)
            self._emit(EventKind.SLASHED, block, validator, amount)
        if record.minted:
            self._emit(EventKind.REWARDS, block, None, record.minted)

    def _emit(self, kind: EventKind, block: Block, validator: int | None, amount: int) -> None:
        self.events.publish(
            NodeEvent(kind, block.height, block.id, block.state_root, block.round, 0,
                      validator, amount)
        )  # fmt: skip
