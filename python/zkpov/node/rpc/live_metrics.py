"""Metrics read from the running parts of a node: the consensus core and the transport.

The runtime calls :meth:`LiveMetrics.on_step` after each consensus step and
:meth:`LiveMetrics.on_peers_changed` whenever a peer connects or disconnects; what the commit
pipeline reports goes through :mod:`~zkpov.node.rpc.commit_feed` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zkpov.consensus.core import ConsensusCore
from zkpov.network.connection import Connection
from zkpov.network.transport import Transport
from zkpov.node.rpc.metrics import NodeMetrics

__all__ = ["LiveMetrics"]


@dataclass
class LiveMetrics:
    metrics: NodeMetrics
    transport: Transport
    get_mempool_size: Callable[[], int]

    def on_step(self, core: ConsensusCore) -> None:
        """The height being decided, rounds since the last commit, the bytes moved and the
        mempool's size (steps include the driver's idle ticks, so this runs at least every
        idle tick)."""
        root = core.tree.root
        self.metrics.on_new_round(root.height + 1, max(0, core.pacemaker.round - root.round))
        self.metrics.on_traffic(self.transport.traffic)
        self.metrics.on_mempool_size(self.get_mempool_size())

    def on_peers_changed(self, _: Connection) -> None:
        self.metrics.on_peers(len(self.transport.get_peers()))
