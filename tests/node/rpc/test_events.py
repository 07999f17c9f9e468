"""EventHub: per-subscriber filtering, bounded queues that drop slow subscribers, caps."""

from __future__ import annotations

import asyncio

import pytest

from zkpov.config import ConfigError
from zkpov.node.rpc.events import EventHub, EventHubConfig
from zkpov.node.rpc.view import EventKind, NodeEvent, NodeUnavailableError, SubscriptionClosedError
from zkpov.types import BlockId, Height, Root, Round

ALL = frozenset(EventKind)


def make_event(kind: EventKind, height: int) -> NodeEvent:
    return NodeEvent(kind, Height(height), BlockId(bytes(32)), Root(bytes(32)), Round(height), 0)


def test_subscribers_get_only_their_kinds_in_order() -> None:
    async def main() -> None:
        hub = EventHub()
        everything, finals = hub.subscribe(ALL), hub.subscribe(frozenset({EventKind.FINALIZED}))
        events = [make_event(kind, h) for h in range(3) for kind in EventKind]
        for event in events:
            hub.publish(event)
        assert [await everything.get() for _ in events] == events
        expected = [e for e in events if e.kind is EventKind.FINALIZED]
        assert [await finals.get() for _ in expected] == expected

    asyncio.run(main())


def test_slow_subscriber_is_dropped_after_its_queue_drains() -> None:
    async def main() -> None:
        hub = EventHub(EventHubConfig(max_pending=2))
        slow = hub.subscribe(ALL)
        for height in range(5):
            hub.publish(make_event(EventKind.NEW_BLOCK, height))
        assert hub.get_subscriber_count() == 0
        assert [(await slow.get()).height for _ in range(2)] == [0, 1]
        with pytest.raises(SubscriptionClosedError):
            await slow.get()
        with pytest.raises(SubscriptionClosedError):
            await slow.get()

    asyncio.run(main())


def test_close_wakes_a_waiting_reader() -> None:
    async def main() -> None:
        hub = EventHub()
        subscription = hub.subscribe(ALL)
        reader = asyncio.ensure_future(subscription.get())
        await asyncio.sleep(0)
        hub.close()
        with pytest.raises(SubscriptionClosedError):
            await asyncio.wait_for(reader, 1)
        subscription.close()  # closing twice is harmless
        hub.publish(make_event(EventKind.FINALIZED, 1))  # nobody left; no error

    asyncio.run(main())


def test_subscriber_cap() -> None:
    async def main() -> None:
        hub = EventHub(EventHubConfig(max_subscribers=2))
        first = hub.subscribe(ALL)
        hub.subscribe(ALL)
        with pytest.raises(NodeUnavailableError):
            hub.subscribe(ALL)
        first.close()
        hub.subscribe(ALL)  # a freed slot can be taken again

    asyncio.run(main())


@pytest.mark.parametrize("kwargs", [{"max_subscribers": 0}, {"max_pending": 0}])
def test_config_is_checked(kwargs: dict[str, int]) -> None:
    with pytest.raises(ConfigError):
        EventHubConfig(**kwargs)
