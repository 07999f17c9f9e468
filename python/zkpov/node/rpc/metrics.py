"""Prometheus metrics of one node, with CometBFT-style names under the ``zkpov`` namespace.

Each :class:`NodeMetrics` owns its own ``CollectorRegistry`` (never the process-global one), so
several nodes in one process (as in the tests) keep separate numbers. ``GET /metrics`` serves
:meth:`NodeMetrics.render`. The running node feeds every series:

- at start: ``consensus_validators`` and ``consensus_validators_power`` (``on_validator_set``);
- after each consensus step (:mod:`~zkpov.node.rpc.live_metrics`): ``consensus_height`` and
  ``consensus_rounds`` (rounds entered since the last committed block's round: 2 on the happy
  path of the 2-chain pipeline), and the ``p2p_message_receive_bytes_total`` /
  ``p2p_message_send_bytes_total`` counters by ``channel`` (frame bytes, header included, from the
  transport's totals), ``mempool_size`` (idle ticks and commits are steps too); ``p2p_peers``
  whenever a peer connects or disconnects;
- on each commit (the commit feed, ``on_block_committed``): ``consensus_latest_block_height``,
  ``consensus_num_txs``, ``consensus_total_txs``, ``consensus_missing_validators_power`` (stake
  that did not sign the certificate the block carries for its parent),
  ``consensus_byzantine_validators`` (distinct offenders in the block's evidence),
  ``proof_lag_blocks`` (latest committed minus proven-final), the
  ``consensus_block_interval_seconds`` histogram and the ``consensus_commit_latency_seconds``
  histogram (from when this node first accepted the proposal, or made it);
- when the proven-final height moves (``on_proven_final``): ``consensus_proven_final_height``
  and ``proof_lag_blocks``;
- by the prover and the carried-proof checker: the ``proof_generation_seconds`` and
  ``proof_verification_seconds`` histograms;
- ``consensus_core_restarts_total``, ``consensus_rejected_inputs_total`` by ``reason`` (the
  input guard's ``REJECT_REASONS``), ``p2p_peer_offences_total`` and ``p2p_peer_bans_total``;
- by the mempool, on each refused transfer: ``mempool_rejected_transfers_total`` by ``reason``
  (``zkpov.node.state.admission.REJECT_REASONS``);
- the staking series (:mod:`~zkpov.node.rpc.economics_metrics`);
- at start: ``build_info{version,commit}`` (always 1; ``commit`` is the source's git commit when
  the package runs from a checkout, else ``unknown``) and the client library's process
  collector (``process_cpu_seconds_total``, ``process_resident_memory_bytes``,
  ``process_open_fds`` and the rest, unprefixed as Prometheus names them).

Zero is the right value for some: ``missing_validators_power`` when every validator signs,
``byzantine_validators`` without evidence, the fault counters without faults, the p2p series on
a one-validator network, and the proof series with proofs off.
"""

from __future__ import annotations

import functools
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.exposition import choose_encoder

from zkpov import __version__
from zkpov.errors import ZkpovError
from zkpov.network.channels import ChannelId
from zkpov.network.connection import ChannelTraffic
from zkpov.node.consensus_io.input_guard import REJECT_REASONS
from zkpov.node.rpc.economics_metrics import EconomicsMetrics
from zkpov.node.state.admission import REJECT_REASONS as TRANSFER_REJECT_REASONS

__all__ = ["CHANNELS", "CommitStats", "MetricsError", "NodeMetrics", "get_build_commit"]

NAMESPACE = "zkpov"
CHANNELS = ("consensus", "transactions", "block_sync", "control")
_INTERVAL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0)
_PROVE_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)
_MAX_ACCEPT_CHARS = 1024
_VERIFY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)


class MetricsError(ZkpovError):
    """A metric update with an impossible value (negative count, NaN duration, unknown channel)."""


@dataclass(frozen=True)
class CommitStats:
    """One committed block as the commit feed saw it; times in seconds on a monotonic clock."""

    height: int
    num_txs: int
    missing_power: int
    byzantine_validators: int
    committed_at: float
    proposed_at: float | None = None


def _count(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MetricsError(f"{what} must be a non-negative integer, got {value!r}")
    return value


def _seconds(value: float, what: str) -> float:
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise MetricsError(f"{what} must be a finite, non-negative number, got {value!r}")
    return float(value)


class NodeMetrics:
    """The node's metrics on a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._last_commit_at: float | None = None
        self._latest_height = 0
        self._proven_final = 0
        self._traffic_seen: dict[tuple[str, ChannelId], int] = {}
        self._init_consensus()
        self._init_proofs()
        self._init_network()
        self._init_faults()
        self._init_process()
        self.economics = EconomicsMetrics(self.registry)

    def _gauge(self, subsystem: str, name: str, doc: str) -> Gauge:
        return Gauge(name, doc, namespace=NAMESPACE, subsystem=subsystem, registry=self.registry)

    def _histogram(
        self, subsystem: str, name: str, doc: str, buckets: tuple[float, ...]
    ) -> Histogram:
        return Histogram(
            name, doc, namespace=NAMESPACE, subsystem=subsystem,
            registry=self.registry, buckets=buckets,
        )  # fmt: skip

    def _init_consensus(self) -> None:
        g = self._gauge
        self.height = g("consensus", "height", "Height being decided.")
        self.latest_height = g("consensus", "latest_block_height", "Latest committed height.")
        self.proven_final_height = g("consensus", "proven_final_height", "Latest proven height.")
        self.rounds = g("consensus", "rounds", "Rounds spent at the current height.")
        self.validators = g("consensus", "validators", "Validators in the current set.")
        self.epoch = g("", "epoch", "The current epoch (0 for ever without epochs).")
        self.validators_power = g("consensus", "validators_power", "Total validator stake.")
        self.missing_power = g(
            "consensus", "missing_validators_power", "Stake missing from the latest commit."
        )
        self.byzantine = g("consensus", "byzantine_validators", "Validators with evidence.")
        self.num_txs = g("consensus", "num_txs", "Transactions in the latest block.")
        self.total_txs = g("consensus", "total_txs", "Transactions committed since start.")
        self.block_interval = self._histogram(
            "consensus", "block_interval_seconds", "Time between commits.", _INTERVAL_BUCKETS
        )
        self.commit_latency = self._histogram(
            "consensus", "commit_latency_seconds", "Proposal to commit.", _INTERVAL_BUCKETS
        )

    def _init_proofs(self) -> None:
        self.proof_generation = self._histogram(
            "proof", "generation_seconds", "Time to prove one block.", _PROVE_BUCKETS
        )
        self.proof_verification = self._histogram(
            "proof", "verification_seconds", "Time to verify a proof.", _VERIFY_BUCKETS
        )
        self.proof_lag = self._gauge("proof", "lag_blocks", "Committed minus proven height.")

    def _init_network(self) -> None:
        self.mempool_size = self._gauge("mempool", "size", "Transactions in the mempool.")
        self.peers = self._gauge("p2p", "peers", "Connected peers.")
        self._received = Counter(
            "message_receive_bytes", "Bytes received, by channel.", ["channel"],
            namespace=NAMESPACE, subsystem="p2p", registry=self.registry,
        )  # fmt: skip
        self._sent = Counter(
            "message_send_bytes", "Bytes sent, by channel.", ["channel"],
            namespace=NAMESPACE, subsystem="p2p", registry=self.registry,
        )  # fmt: skip
        for channel in CHANNELS:  # export zeros for every channel from the start
            self._received.labels(channel=channel)
            self._sent.labels(channel=channel)

    def _counter(
        self, subsystem: str, name: str, doc: str, labels: tuple[str, ...] = ()
    ) -> Counter:
        return Counter(
            name, doc, labels, namespace=NAMESPACE, subsystem=subsystem, registry=self.registry
        )

    def _init_faults(self) -> None:
        c = self._counter
        self.core_restarts = c("consensus", "core_restarts", "Cores rebuilt after a fault.")
        self.rejected_inputs = c(
            "consensus", "rejected_inputs", "Consensus input refused, by reason.", ("reason",)
        )
        for reason in REJECT_REASONS:
            self.rejected_inputs.labels(reason=reason)
        self.rejected_transfers = c(
            "mempool", "rejected_transfers", "Transfers the mempool refused, by reason.",
            ("reason",),
        )  # fmt: skip
        for reason in TRANSFER_REJECT_REASONS:
            self.rejected_transfers.labels(reason=reason)
        self.peer_offences = c("p2p", "peer_offences", "Verification failures peers sent.")
        self.peer_bans = c("p2p", "peer_bans", "Peers banned for their offences.")

    def _init_process(self) -> None:
        ProcessCollector(registry=self.registry)
        info = Gauge(
            "build_info", "This build: version and source commit (always 1).",
            ("version", "commit"), namespace=NAMESPACE, registry=self.registry,
        )  # fmt: skip
        info.labels(version=__version__, commit=get_build_commit()).set(1)

    def on_core_restart(self) -> None:
        self.core_restarts.inc()

    def on_input_rejected(self, reason: str) -> None:
        if reason not in REJECT_REASONS:
            raise MetricsError(f"unknown rejection reason {reason!r}; known: {REJECT_REASONS}")
        self.rejected_inputs.labels(reason=reason).inc()

    def on_transfer_rejected(self, reason: str) -> None:
        if reason not in TRANSFER_REJECT_REASONS:
            raise MetricsError(f"unknown transfer rejection {reason!r}: {TRANSFER_REJECT_REASONS}")
        self.rejected_transfers.labels(reason=reason).inc()

    def on_peer_offence(self) -> None:
        self.peer_offences.inc()

    def on_peer_banned(self) -> None:
        self.peer_bans.inc()

    def on_new_round(self, height: int, rounds_at_height: int) -> None:
        """Consensus moved to a round: ``rounds_at_height`` rounds so far at ``height``."""
        self.height.set(_count(height, "height"))
        self.rounds.set(_count(rounds_at_height, "rounds"))

    def on_epoch(self, epoch: int, powers: tuple[int, ...]) -> None:
        """The node entered ``epoch`` (at start too), with its set's stakes."""
        self.epoch.set(_count(epoch, "epoch"))
        self.on_validator_set(powers)

    def on_validator_set(self, powers: tuple[int, ...]) -> None:
        self.validators.set(len(powers))
        self.validators_power.set(sum(_count(power, "power") for power in powers))

    def on_block_committed(self, stats: CommitStats) -> None:
        self._latest_height = _count(stats.height, "height")
        self.latest_height.set(stats.height)
        self.height.set(stats.height + 1)
        self.num_txs.set(_count(stats.num_txs, "num_txs"))
        self.total_txs.inc(stats.num_txs)
        self.missing_power.set(_count(stats.missing_power, "missing_power"))
        self.byzantine.set(_count(stats.byzantine_validators, "byzantine_validators"))
        self.proof_lag.set(max(0, stats.height - self._proven_final))
        self._observe_times(stats)

    def _observe_times(self, stats: CommitStats) -> None:
        now = _seconds(stats.committed_at, "committed_at")
        if self._last_commit_at is not None:
            self.block_interval.observe(max(0.0, now - self._last_commit_at))
        self._last_commit_at = now
        if stats.proposed_at is not None:
            latency = now - _seconds(stats.proposed_at, "proposed_at")
            self.commit_latency.observe(_seconds(latency, "commit latency"))

    def on_proven_final(self, height: int) -> None:
        self._proven_final = _count(height, "height")
        self.proven_final_height.set(height)
        self.proof_lag.set(max(0, self._latest_height - height))

    def observe_proof_generation(self, seconds: float) -> None:
        self.proof_generation.observe(_seconds(seconds, "proof generation time"))

    def observe_proof_verification(self, seconds: float) -> None:
        self.proof_verification.observe(_seconds(seconds, "proof verification time"))

    def on_mempool_size(self, size: int) -> None:
        self.mempool_size.set(_count(size, "mempool size"))

    def on_peers(self, count: int) -> None:
        self.peers.set(_count(count, "peer count"))

    def on_message_received(self, channel: str, nbytes: int) -> None:
        self._received.labels(channel=_channel(channel)).inc(_count(nbytes, "bytes"))

    def on_message_sent(self, channel: str, nbytes: int) -> None:
        self._sent.labels(channel=_channel(channel)).inc(_count(nbytes, "bytes"))

    def on_traffic(self, traffic: ChannelTraffic) -> None:
        """Catch the byte counters up with the transport's running totals."""
        for direction, table in (("received", traffic.received), ("sent", traffic.sent)):
            for channel, total in list(table.items()):
                key = (direction, channel)
                delta = total - self._traffic_seen.get(key, 0)
                if delta > 0:
                    self._traffic_seen[key] = total
                    name = ChannelId(channel).name.lower()
                    counter = self._received if direction == "received" else self._sent
                    counter.labels(channel=_channel(name)).inc(delta)

    def render(self, accept: str = "") -> tuple[bytes, str]:
        """The exposition in the format ``accept`` asks for (text or OpenMetrics) and its type;
        an ``Accept`` header the client library cannot parse gets the plain text format."""
        try:
            encoder, content_type = choose_encoder(accept[:_MAX_ACCEPT_CHARS])
        except (TypeError, ValueError):  # e.g. "version=abc": compared as a str to an int
            encoder, content_type = choose_encoder("")
        return encoder(self.registry), content_type


@functools.cache  # one git call per process, not per node's metrics
def get_build_commit() -> str:
    """The git commit of the source this package runs from, or ``unknown`` (an installed wheel,
    no git). Only a checkout whose tree holds this package counts."""
    package = Path(__file__).resolve().parents[2]  # .../python/zkpov in a checkout
    git = shutil.which("git")
    if git is None:
        return "unknown"
    try:
        found = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [git, "-C", str(package), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.split()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if len(found) != 2 or not (Path(found[0]) / "python" / "zkpov").is_dir():
        return "unknown"
    return found[1][:12]


def _channel(name: str) -> str:
    if name not in CHANNELS:  # a fixed label set: peers cannot blow up the series count
        raise MetricsError(f"unknown channel {name!r}; known: {CHANNELS}")
    return name
