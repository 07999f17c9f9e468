"""NodeMetrics: CometBFT-style names on a per-node registry, served by /metrics and parseable."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

import zkpov
from tests.node.rpc.helpers import with_client
from zkpov.network.channels import ChannelId
from zkpov.network.connection import ChannelTraffic
from zkpov.node.rpc.metrics import CommitStats, MetricsError, NodeMetrics, get_build_commit

EXPECTED = {
    "zkpov_consensus_height": "gauge",
    "zkpov_consensus_latest_block_height": "gauge",
    "zkpov_consensus_proven_final_height": "gauge",
    "zkpov_consensus_rounds": "gauge",
    "zkpov_consensus_validators": "gauge",
    "zkpov_epoch": "gauge",
    "zkpov_consensus_validators_power": "gauge",
    "zkpov_consensus_missing_validators_power": "gauge",
    "zkpov_consensus_byzantine_validators": "gauge",
    "zkpov_consensus_num_txs": "gauge",
    "zkpov_consensus_total_txs": "gauge",
    "zkpov_consensus_block_interval_seconds": "histogram",
    "zkpov_consensus_commit_latency_seconds": "histogram",
    "zkpov_proof_generation_seconds": "histogram",
    "zkpov_proof_verification_seconds": "histogram",
    "zkpov_proof_lag_blocks": "gauge",
    "zkpov_mempool_size": "gauge",
    "zkpov_mempool_rejected_transfers": "counter",
    "zkpov_p2p_peers": "gauge",
    "zkpov_p2p_message_receive_bytes": "counter",
    "zkpov_p2p_message_send_bytes": "counter",
    "zkpov_consensus_core_restarts": "counter",
    "zkpov_consensus_rejected_inputs": "counter",
    "zkpov_p2p_peer_offences": "counter",
    "zkpov_p2p_peer_bans": "counter",
    "zkpov_build_info": "gauge",
    "zkpov_staking_total_stake": "gauge",
    "zkpov_staking_rewards_paid": "gauge",
    "zkpov_staking_slashed": "gauge",
    "zkpov_staking_supply_violations": "counter",
}


def get_samples(metrics: NodeMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, _ = metrics.render()
    families = text_string_to_metric_families(body.decode())
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}


def value(metrics: NodeMetrics, name: str, **labels: str) -> float:
    return get_samples(metrics)[(name, tuple(sorted(labels.items())))]


def test_every_metric_is_exported_with_its_type() -> None:
    body, content_type = NodeMetrics().render()
    assert content_type.startswith("text/plain")
    families = {f.name: f.type for f in text_string_to_metric_families(body.decode())}
    # the Python client's own series: *_created, and the process collector's process_*
    own = {name for name in families if name.endswith("_created") or name.startswith("process_")}
    assert {name: families[name] for name in set(families) - own} == EXPECTED


def test_build_info_names_this_version_and_the_checkout_commit() -> None:
    (labels,) = [
        dict(key) for name, key in get_samples(NodeMetrics()) if name == "zkpov_build_info"
    ]
    assert labels["version"] == zkpov.__version__
    head = subprocess.run(
        ["git", "-C", str(Path(zkpov.__file__).parent), "rev-parse", "HEAD"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    assert labels["commit"] == (head[:12] or "unknown") == get_build_commit()


def test_process_collector_reports_this_process() -> None:
    samples = get_samples(NodeMetrics())
    assert samples[("process_resident_memory_bytes", ())] > 0
    assert samples[("process_open_fds", ())] > 0


def test_commits_drive_heights_counts_and_histograms() -> None:
    metrics = NodeMetrics()
    metrics.on_block_committed(CommitStats(5, 3, 10, 0, committed_at=100.0, proposed_at=99.5))
    metrics.on_block_committed(CommitStats(6, 4, 0, 1, committed_at=101.5, proposed_at=101.0))
    assert value(metrics, "zkpov_consensus_latest_block_height") == 6
    assert value(metrics, "zkpov_consensus_height") == 7
    assert value(metrics, "zkpov_consensus_num_txs") == 4
    assert value(metrics, "zkpov_consensus_total_txs") == 7
    assert value(metrics, "zkpov_consensus_byzantine_validators") == 1
    assert value(metrics, "zkpov_consensus_block_interval_seconds_count") == 1
    assert value(metrics, "zkpov_consensus_block_interval_seconds_sum") == 1.5
    assert value(metrics, "zkpov_consensus_commit_latency_seconds_count") == 2
    assert value(metrics, "zkpov_consensus_commit_latency_seconds_bucket", le="0.5") == 2
    metrics.on_proven_final(4)
    assert value(metrics, "zkpov_proof_lag_blocks") == 2
    assert value(metrics, "zkpov_consensus_proven_final_height") == 4


def test_rounds_validators_proofs_mempool_and_peers() -> None:
    metrics = NodeMetrics()
    metrics.on_new_round(height=9, rounds_at_height=2)
    metrics.on_validator_set((10, 20, 30))
    metrics.observe_proof_generation(12.0)
    metrics.observe_proof_verification(0.004)
    metrics.on_mempool_size(17)
    metrics.on_peers(3)
    assert value(metrics, "zkpov_consensus_height") == 9
    assert value(metrics, "zkpov_consensus_rounds") == 2
    assert value(metrics, "zkpov_consensus_validators") == 3
    assert value(metrics, "zkpov_consensus_validators_power") == 60
    assert value(metrics, "zkpov_proof_generation_seconds_bucket", le="20.0") == 1
    assert value(metrics, "zkpov_proof_generation_seconds_bucket", le="10.0") == 0
    assert value(metrics, "zkpov_proof_verification_seconds_sum") == 0.004
    assert value(metrics, "zkpov_mempool_size") == 17
    assert value(metrics, "zkpov_p2p_peers") == 3


def test_bytes_by_channel_with_a_fixed_label_set() -> None:
    metrics = NodeMetrics()
    assert value(metrics, "zkpov_p2p_message_receive_bytes_total", channel="consensus") == 0
    metrics.on_message_received("consensus", 100)
    metrics.on_message_received("consensus", 50)
    metrics.on_message_sent("block_sync", 7)
    assert value(metrics, "zkpov_p2p_message_receive_bytes_total", channel="consensus") == 150
    assert value(metrics, "zkpov_p2p_message_send_bytes_total", channel="block_sync") == 7
    with pytest.raises(MetricsError):
        metrics.on_message_received("peer-chosen-label", 1)


def test_rejected_transfers_by_a_fixed_set_of_reasons() -> None:
    metrics = NodeMetrics()
    name = "zkpov_mempool_rejected_transfers_total"
    assert value(metrics, name, reason="bad_signature") == 0
    metrics.on_transfer_rejected("bad_signature")
    metrics.on_transfer_rejected("nonce_gap")
    assert value(metrics, name, reason="bad_signature") == 1
    assert value(metrics, name, reason="nonce_gap") == 1
    with pytest.raises(MetricsError):
        metrics.on_transfer_rejected("peer-chosen-label")


def test_each_node_has_its_own_registry() -> None:
    first, second = NodeMetrics(), NodeMetrics()
    first.on_peers(5)
    assert value(first, "zkpov_p2p_peers") == 5
    assert value(second, "zkpov_p2p_peers") == 0


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_impossible_durations_are_refused(bad: float) -> None:
    with pytest.raises(MetricsError):
        NodeMetrics().observe_proof_generation(bad)


@pytest.mark.parametrize("bad", [-1, True, 1.5])
def test_impossible_counts_are_refused(bad: Any) -> None:
    metrics = NodeMetrics()
    with pytest.raises(MetricsError):
        metrics.on_mempool_size(bad)
    with pytest.raises(MetricsError):
        metrics.on_block_committed(CommitStats(1, bad, 0, 0, committed_at=1.0))


def test_metrics_route_serves_text_and_openmetrics() -> None:
    metrics = NodeMetrics()
    metrics.on_peers(2)

    async def fn(client: TestClient[Any, Any]) -> None:
        response = await client.get("/metrics")
        assert response.status == 200
        families = {f.name for f in text_string_to_metric_families(await response.text())}
        assert set(EXPECTED) <= families
        accept = {"Accept": "application/openmetrics-text; version=1.0.0"}
        response = await client.get("/metrics", headers=accept)
        assert response.headers["Content-Type"].startswith("application/openmetrics-text")
        assert (await response.text()).endswith("# EOF\n")

    with_client(fn, metrics=metrics)


def test_metrics_route_is_absent_without_metrics() -> None:
    async def fn(client: TestClient[Any, Any]) -> None:
        assert (await client.get("/metrics")).status == 404

    with_client(fn)


@settings(max_examples=200)
@given(
    st.text(max_size=120)
    | st.builds(
        "application/openmetrics-text; version={}; escaping={}".format,
        st.text(max_size=8), st.text(max_size=8),
    )
)  # fmt: skip
def test_any_accept_header_gets_an_exposition(accept: str) -> None:
    body, content_type = NodeMetrics().render(accept)
    assert body and content_type.split(";")[0] in ("text/plain", "application/openmetrics-text")


def test_unparseable_accept_falls_back_to_text_over_http() -> None:
    async def fn(client: TestClient[Any, Any]) -> None:
        accept = {"Accept": "application/openmetrics-text; version=abc"}
        response = await client.get("/metrics", headers=accept)
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")

    with_client(fn, metrics=NodeMetrics())


def test_byte_counters_catch_up_with_the_transport_totals() -> None:
    metrics, traffic = NodeMetrics(), ChannelTraffic()
    traffic.add(traffic.received, ChannelId.CONSENSUS, 100)
    traffic.add(traffic.sent, ChannelId.BLOCK_SYNC, 7)
    metrics.on_traffic(traffic)
    traffic.add(traffic.received, ChannelId.CONSENSUS, 50)
    metrics.on_traffic(traffic)
    metrics.on_traffic(traffic)  # nothing new: nothing counted twice
    assert value(metrics, "zkpov_p2p_message_receive_bytes_total", channel="consensus") == 150
    assert value(metrics, "zkpov_p2p_message_send_bytes_total", channel="block_sync") == 7
    assert value(metrics, "zkpov_p2p_message_send_bytes_total", channel="consensus") == 0


def test_proof_lag_moves_with_every_commit() -> None:
    metrics = NodeMetrics()
    metrics.on_proven_final(3)
    metrics.on_block_committed(CommitStats(5, 0, 0, 0, committed_at=1.0))
    assert value(metrics, "zkpov_proof_lag_blocks") == 2
    metrics.on_block_committed(CommitStats(6, 0, 0, 0, committed_at=2.0))
    assert value(metrics, "zkpov_proof_lag_blocks") == 3
