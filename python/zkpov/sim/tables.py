"""Peak retained sizes of each core's message tables (bounded state, issue 9)."""

from __future__ import annotations

from zkpov.consensus.core import ConsensusCore
from zkpov.types import NodeId

__all__ = ["TablePeaks", "get_table_sizes"]


def get_table_sizes(core: ConsensusCore) -> dict[str, int]:
    """Entry counts of the core's message tables (votes, timeouts, parked proposals, ...)."""
    return core.get_table_sizes()


class TablePeaks:
    """The largest size seen per table per node, sampled after every step."""

    def __init__(self) -> None:
        self.peaks: dict[NodeId, dict[str, int]] = {}

    def observe(self, node_id: NodeId, core: ConsensusCore) -> None:
        peaks = self.peaks.setdefault(node_id, {})
        for name, size in get_table_sizes(core).items():
            if size > peaks.get(name, -1):
                peaks[name] = size

    def get_max(self, table: str, nodes: set[NodeId] | None = None) -> int:
        """The peak of ``table`` over ``nodes`` (all nodes if None)."""
        return max(
            (p.get(table, 0) for n, p in self.peaks.items() if nodes is None or n in nodes),
            default=0,
        )
