"""Peak retained sizes of each core's message tables (bounded state, issue 9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zkpov.consensus.core import ConsensusCore
from zkpov.types import NodeId

__all__ = ["TablePeaks", "get_table_sizes"]


def get_table_sizes(core: ConsensusCore) -> dict[str, int]:
    """The core's own ``get_table_sizes()``; before it exists, counts read from its tables."""
    method: Callable[[], dict[str, int]] | None = getattr(core, "get_table_sizes", None)
    if method is not None:
        return method()
    return _count_tables(core)


def _count_tables(core: Any) -> dict[str, int]:
    """Entries of the tables a peer can fill (today's core; absent tables are skipped)."""
    counters: dict[str, Callable[[], int]] = {
        "votes": lambda: sum(len(v) for c in core.votes.values() for v in c.pending.values()),
        "timeouts": lambda: sum(len(c.timeouts) for c in core.timeouts.values()),
        "parked_proposals": lambda: sum(len(p) for p in core.sync.pending.values()),
        "first_proposals": lambda: len(core.evidence.first_proposals),
        "evidence": lambda: len(core.evidence.pending),
        "blocks": lambda: len(core.tree.blocks),
        "sync_requests": lambda: len(core.sync.requested),
    }
    sizes: dict[str, int] = {}
    for name, count in counters.items():
        try:
            sizes[name] = count()
        except AttributeError:
            continue
    return sizes


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
