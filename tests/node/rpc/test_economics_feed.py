"""The economics feed: slashed and rewards events with their amounts, the staking gauges from
the ledger, and a broken supply counted."""

from __future__ import annotations

import asyncio

from tests.node.rpc.test_commit_feed import NET, block_with
from tests.node.rpc.test_metrics import value
from zkpov.chain.transition import compute_genesis_state
from zkpov.node.rpc.economics_feed import EconomicsFeed
from zkpov.node.rpc.events import EventHub
from zkpov.node.rpc.metrics import NodeMetrics
from zkpov.node.rpc.view import EventKind
from zkpov.node.state.economics import BlockEconomics
from zkpov.types import Stake


def test_slashes_and_rewards_become_events_and_gauges() -> None:
    hub, metrics = EventHub(), NodeMetrics()
    feed = EconomicsFeed(hub, metrics.economics)
    subscription = hub.subscribe(frozenset(EventKind))
    ledger = compute_genesis_state(
        NET.vset.pubkeys, [10, 20, 30, 40], [b"a", b"b", b"c", b"d"], bytes(32)
    )
    ledger.validators[1].slashed_amount, ledger.minted = Stake(5), 7
    block = block_with([0, 1, 2])
    feed.on_commit([block], [BlockEconomics(2, 7, {1: 5}, True)], ledger)
    events = [asyncio.run(subscription.get()) for _ in range(2)]
    assert [(e.kind, e.validator, e.amount, e.height) for e in events] == [
        (EventKind.SLASHED, 1, 5, 2), (EventKind.REWARDS, None, 7, 2),
    ]  # fmt: skip
    assert value(metrics, "zkpov_staking_slashed") == 5
    assert value(metrics, "zkpov_staking_rewards_paid") == 7
    assert value(metrics, "zkpov_staking_total_stake") == 100
    assert value(metrics, "zkpov_staking_supply_violations_total") == 0
    feed.on_commit([block], [BlockEconomics(2, 0, {}, False)], ledger)
    assert value(metrics, "zkpov_staking_supply_violations_total") == 1
