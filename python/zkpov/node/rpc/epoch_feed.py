"""What the RPC hears of epoch changes: an ``epoch_change`` event when a committed
reconfiguration block ends an epoch (the epoch that began, and the registry indices that joined
and left the set), and the ``zkpov_epoch`` gauge with the new set's size and stake."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.node.rpc.events import EventHub
from zkpov.node.rpc.metrics import NodeMetrics
from zkpov.node.rpc.view import EventKind, NodeEvent
from zkpov.spec.epochs import EpochEnding, EpochSet
from zkpov.types import Epoch

__all__ = ["EpochFeed", "get_set_changes"]


def get_set_changes(old: tuple[int, ...], new: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """(joined, left): registry indices, each sorted."""
    return tuple(sorted(set(new) - set(old))), tuple(sorted(set(old) - set(new)))


@dataclass
class EpochFeed:
    events: EventHub
    metrics: NodeMetrics

    def on_start(self, epoch: Epoch, stakes: tuple[int, ...]) -> None:
        self.metrics.on_epoch(int(epoch), stakes)

    def on_ending(self, ending: EpochEnding, old_members: tuple[int, ...]) -> None:
        """``ending`` is durable; ``old_members``: the set of the epoch it ended."""
        new: EpochSet = ending.next_set
        joined, left = get_set_changes(old_members, new.members)
        block = ending.block
        self.events.publish(
            NodeEvent(
                EventKind.EPOCH_CHANGE, block.height, block.id, block.state_root, block.round,
                0, epoch=int(new.epoch), joined=joined, left=left,
            )
        )  # fmt: skip
        self.metrics.on_epoch(int(new.epoch), tuple(int(s) for s in new.stakes))
