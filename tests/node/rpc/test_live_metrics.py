"""LiveMetrics: what each consensus step reads from the core, the transport and the mempool."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from tests.node.rpc.test_metrics import value
from zkpov.network.channels import ChannelId
from zkpov.network.connection import ChannelTraffic
from zkpov.node.rpc.live_metrics import LiveMetrics
from zkpov.node.rpc.metrics import NodeMetrics


def make_core(root_height: int, root_round: int, round_now: int) -> Any:
    root = SimpleNamespace(height=root_height, round=root_round)
    return SimpleNamespace(
        tree=SimpleNamespace(root=root), pacemaker=SimpleNamespace(round=round_now)
    )


def test_each_step_reads_height_rounds_traffic_and_the_mempool() -> None:
    metrics, pending = NodeMetrics(), [0]
    traffic = ChannelTraffic()
    transport: Any = SimpleNamespace(traffic=traffic)
    live = LiveMetrics(metrics, transport, lambda: pending[0])
    traffic.sent[ChannelId.CONSENSUS] = 300
    pending[0] = 7  # transfers arrived between commits
    live.on_step(make_core(4, 9, 11))
    assert value(metrics, "zkpov_consensus_height") == 5
    assert value(metrics, "zkpov_consensus_rounds") == 2
    assert value(metrics, "zkpov_mempool_size") == 7
    assert value(metrics, "zkpov_p2p_message_send_bytes_total", channel="consensus") == 300
    pending[0] = 0
    live.on_step(make_core(5, 11, 11))
    assert value(metrics, "zkpov_mempool_size") == 0
