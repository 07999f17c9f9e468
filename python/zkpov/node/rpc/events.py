"""Event fan-out for the node: the commit feed publishes, each RPC stream subscribes.

Publishing never waits: every subscriber has a bounded queue, and one that falls ``max_pending``
events behind is dropped (its next ``get`` raises ``SubscriptionClosedError``), as CometBFT
cancels subscribers that do not pull fast enough. The number of subscribers is capped too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from zkpov.config import ConfigError
from zkpov.node.rpc.view import (
    EventKind,
    NodeEvent,
    NodeUnavailableError,
    SubscriptionClosedError,
)

__all__ = ["EventHub", "EventHubConfig", "QueueSubscription"]


@dataclass(frozen=True)
class EventHubConfig:
    max_subscribers: int = 100
    max_pending: int = 1000

    def __post_init__(self) -> None:
        if not 1 <= self.max_subscribers <= 100_000 or not 1 <= self.max_pending <= 1_000_000:
            raise ConfigError("max_subscribers and max_pending must be positive and bounded")


class QueueSubscription:
    """One subscriber: a bounded queue of events of the kinds it asked for."""

    def __init__(self, hub: EventHub, kinds: frozenset[EventKind], max_pending: int) -> None:
        self._hub = hub
        self.kinds = kinds
        self._queue: asyncio.Queue[NodeEvent | None] = asyncio.Queue(max_pending + 1)
        self._max_pending = max_pending
        self.closed = False

    def on_event(self, event: NodeEvent) -> None:
        if self.closed or event.kind not in self.kinds:
            return
        if self._queue.qsize() >= self._max_pending:
            self.close()
            return
        self._queue.put_nowait(event)

    async def get(self) -> NodeEvent:
        if self.closed and self._queue.empty():
            raise SubscriptionClosedError("subscription closed")
        event = await self._queue.get()
        if event is None:
            raise SubscriptionClosedError("subscription closed")
        return event

    def close(self) -> None:
        """End the subscription: queued events are still delivered, then ``get`` raises."""
        if self.closed:
            return
        self.closed = True
        self._hub.on_unsubscribe(self)
        self._queue.put_nowait(None)


class EventHub:
    """Fan-out of node events to bounded subscriptions (single event loop, no locks)."""

    def __init__(self, config: EventHubConfig | None = None) -> None:
        self.config = config or EventHubConfig()
        self._subscribers: set[QueueSubscription] = set()

    def subscribe(self, kinds: frozenset[EventKind]) -> QueueSubscription:
        if len(self._subscribers) >= self.config.max_subscribers:
            raise NodeUnavailableError(
                f"too many event subscribers (at most {self.config.max_subscribers})"
            )
        subscription = QueueSubscription(self, kinds, self.config.max_pending)
        self._subscribers.add(subscription)
        return subscription

    def publish(self, event: NodeEvent) -> None:
        for subscription in list(self._subscribers):
            subscription.on_event(event)

    def on_unsubscribe(self, subscription: QueueSubscription) -> None:
        self._subscribers.discard(subscription)

    def close(self) -> None:
        """End every subscription (node shutdown)."""
        for subscription in list(self._subscribers):
            subscription.close()

    def get_subscriber_count(self) -> int:
        return len(self._subscribers)
