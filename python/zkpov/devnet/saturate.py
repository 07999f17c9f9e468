"""The saturation run: a loopback devnet under an open-loop load that rises step by step.

Each step offers ``rate`` transfers a second (the first ``settle_seconds`` are not measured),
then the rate grows by ``factor``. The ramp stops when p99 commit latency passes the limit or
throughput stops rising (:func:`~zkpov.devnet.saturation_steps.get_stop_reason`). Then, at the
rate that saturated, one more step runs with py-spy on the busiest node
(:mod:`zkpov.devnet.node_profile`). The nodes are real ``zkpov start`` processes; throughput,
latency and CPU come from them (metrics, events, /proc), not from the generator's view.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from zkpov.chain.state import compute_chain_tag
from zkpov.devnet.commit_watch import CommitWatch
from zkpov.devnet.load import wait_ready
from zkpov.devnet.node_profile import NodeProfile, record_profile
from zkpov.devnet.open_load import OpenLoad, make_senders
from zkpov.devnet.processes import read_cpu_seconds, spawn_nodes, stop_nodes
from zkpov.devnet.run import START_SECONDS, DevnetOptions, prepare_devnet
from zkpov.devnet.saturation_steps import (
    Snapshot,
    StepResult,
    compute_step,
    get_stop_reason,
    read_total_txs,
    take_snapshot,
)
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import TestnetLayout
from zkpov.node.rpc.client import RpcClient
from zkpov.node.state.block_capacity import DEFAULT_BLOCK_TRANSFERS
from zkpov.node.state.genesis import compute_genesis_hash

__all__ = ["SaturationOptions", "SaturationReport", "get_mode_options", "run_saturation"]

FIRST_BLOCK_SECONDS = 60.0
# per mode, what keeps a run under about 4 minutes on a shared 2-core machine: proofs off
# starts at 10/s and reaches 430/s in 9 steps; proofs on (batch 2) saturates near 1/s
MODE_DEFAULTS: dict[bool, dict[str, Any]] = {
    False: {"start_rate": 10.0, "factor": 1.6, "max_steps": 9, "step_seconds": 12.0,
            "settle_seconds": 3.0, "accounts": 512, "depth": 10},
    True: {"start_rate": 0.25, "factor": 2.0, "max_steps": 4, "step_seconds": 25.0,
           "settle_seconds": 5.0, "accounts": 64, "depth": 8},
}  # fmt: skip


@dataclass(frozen=True)
class SaturationOptions:
    directory: Path
    proofs: bool = False
    validators: int = 4
    start_rate: float = 10.0  # transfers a second offered in the first step
    factor: float = 1.6  # each step offers this many times the last
    max_steps: int = 10
    step_seconds: float = 15.0  # measured part of each step
    settle_seconds: float = 3.0  # unmeasured start of each step
    p99_limit: float = 3.0
    accounts: int = 512  # senders: the per-sender cap times this is the most in flight
    depth: int = 10
    batch_size: int = 2
    proof_lag: int = 8
    base_port: int = 26656
    max_outstanding: int = 256  # RPC requests the generator keeps open at once
    profile: bool = True
    max_block_transfers: int = DEFAULT_BLOCK_TRANSFERS  # each node's proposals, proofs off


def get_mode_options(directory: Path, proofs: bool, **overrides: Any) -> SaturationOptions:
    """The mode's defaults (``MODE_DEFAULTS``), then ``overrides`` that are not None."""
    chosen = {k: v for k, v in overrides.items() if v is not None}
    return SaturationOptions(directory, proofs, **{**MODE_DEFAULTS[proofs], **chosen})


@dataclass
class SaturationReport:
    proofs: bool
    steps: list[StepResult] = field(default_factory=list)
    stop_reason: str = ""
    best_sustained_per_s: float = 0.0  # committed, in a step whose p99 stayed under the limit
    best_proven_per_s: float = 0.0
    saturated_by: str = ""  # the side that failed to keep up at the stop: generator or chain
    # transfers sent per CPU-second of this process in the step that sent the most: what one
    # core could offer (the event watch and metrics reads included, so a lower bound)
    generator_ceiling_per_s: float = 0.0
    profile_step: StepResult | None = None
    profile: NodeProfile | None = None
    failure: str = ""  # a node exited or the event stream broke
    wall_seconds: float = 0.0


def run_saturation(
    options: SaturationOptions, on_step: Callable[[StepResult], None]
) -> SaturationReport:
    """Creates the devnet under ``options.directory``, runs the ramp, stops the nodes."""
    started = time.monotonic()
    layout = prepare_devnet(_devnet_options(options))
    report = asyncio.run(_run(options, layout, on_step))
    report.wall_seconds = round(time.monotonic() - started, 1)
    return report


def _devnet_options(options: SaturationOptions) -> DevnetOptions:
    return DevnetOptions(
        options.directory, options.validators, proofs=options.proofs,
        base_port=options.base_port, batch_size=options.batch_size, depth=options.depth,
        proof_lag=options.proof_lag, accounts=options.accounts,
        max_block_transfers=options.max_block_transfers,
    )  # fmt: skip


async def _run(
    options: SaturationOptions, layout: TestnetLayout, on_step: Callable[[StepResult], None]
) -> SaturationReport:
    """SIGINT or SIGTERM ends the run early: the nodes are stopped and the steps so far kept."""
    main = asyncio.current_task()
    if main is not None:  # always, under asyncio.run
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, main.cancel)
    procs = spawn_nodes(layout)
    report = SaturationReport(options.proofs)
    try:
        connector = aiohttp.TCPConnector(limit=options.max_outstanding + 16)
        async with aiohttp.ClientSession(connector=connector) as session:
            urls = [_url(home) for home in layout.homes]
            clients = [RpcClient(session, url) for url in urls]
            await wait_ready(clients, START_SECONDS, lambda i: procs[i].poll() is None)
            await _wait_first_block(clients[0])
            ramp = _Ramp(options, layout, clients, urls[0], [p.pid for p in procs], on_step)
            report = ramp.report
            return await ramp.run()
    except asyncio.CancelledError:
        report.failure = "stopped early by a signal; the nodes were stopped"
        return report
    finally:
        await asyncio.to_thread(stop_nodes, procs)


def _url(home: Path) -> str:
    host, port = load_node_config(home).rpc_listen
    return f"http://{host}:{port}"


async def _wait_first_block(client: RpcClient) -> None:
    deadline = time.monotonic() + FIRST_BLOCK_SECONDS
    while (await client.get("/status"))["sync_info"]["latest_block_height"] < 1:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no block committed within {FIRST_BLOCK_SECONDS:g} s")
        await asyncio.sleep(0.2)


class _Ramp:
    def __init__(
        self, options: SaturationOptions, layout: TestnetLayout, clients: list[RpcClient],
        url: str, pids: list[int], on_step: Callable[[StepResult], None],
    ) -> None:  # fmt: skip
        keys = [read_key_file(path, KeyKind.ACCOUNT) for path in layout.account_key_files]
        tag = compute_chain_tag(compute_genesis_hash(layout.genesis))
        senders = make_senders(keys, options.depth, len(clients))
        self.load = OpenLoad(senders, clients, tag, options.max_outstanding)
        self.watch = CommitWatch(url, clients[0], self._sent_at)
        self.options, self.clients, self.pids, self.on_step = options, clients, pids, on_step
        self.report = SaturationReport(options.proofs)
        self.profile_dir = options.directory

    def _sent_at(self, tx_hash: bytes) -> float | None:
        record = self.load.on_committed(tx_hash)
        return None if record is None else record.sent_at

    async def run(self) -> SaturationReport:
        watcher = asyncio.ensure_future(self.watch.run())
        try:
            rate = await self._ramp()
            if self.options.profile and rate and not self.report.failure:
                await self._profile_step(rate)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await self.load.close()
        self.report.failure = self.report.failure or self.watch.failure
        return self.report

    async def _ramp(self) -> float:
        """The steps; returns the rate of the step that stopped the ramp (0 if it failed)."""
        rate, best = self.options.start_rate, 0.0
        for _ in range(self.options.max_steps):
            step = await self._step(rate, self.load.offer(rate, self._step_seconds()))
            if step is None:
                return 0.0
            self._record(step)
            self.report.stop_reason = get_stop_reason(step, best, self.options.p99_limit)
            if self.report.stop_reason:
                # a step that kept up in throughput stopped on latency: the chain's latency
                self.report.saturated_by = step.limit or "chain (latency)"
                return rate
            best, rate = max(best, step.committed_per_s), rate * self.options.factor
        self.report.stop_reason = f"reached --max-steps {self.options.max_steps} unsaturated"
        return rate / self.options.factor

    def _step_seconds(self) -> float:
        return self.options.settle_seconds + self.options.step_seconds

    async def _step(self, rate: float, work: Coroutine[Any, Any, None]) -> StepResult | None:
        """Runs ``work`` (the offer, and the profiler if any) and measures its window."""
        offer = asyncio.ensure_future(work)
        try:
            await asyncio.sleep(self.options.settle_seconds)
            before = await self._snapshot()
            await offer
        finally:
            offer.cancel()  # when the run itself is cancelled (a signal); else it is done
        after = await self._snapshot()
        if before is None or after is None:
            return None
        return compute_step(rate, before, after, self.watch, self.load, self.options.p99_limit)

    async def _snapshot(self) -> Snapshot | None:
        cpu = [read_cpu_seconds(pid) for pid in self.pids]
        if None in cpu:
            self.report.failure = f"node{cpu.index(None)} exited during the run"
            return None
        texts = await asyncio.gather(*(c.get_text("/metrics") for c in self.clients))
        totals = [read_total_txs(text) for text in texts]
        return take_snapshot([c for c in cpu if c is not None], totals, self.load)

    def _record(self, step: StepResult) -> None:
        self.report.steps.append(step)
        self.on_step(step)
        if step.latency_s.get("p99", float("inf")) <= self.options.p99_limit:
            best = max(self.report.best_sustained_per_s, step.committed_per_s)
            self.report.best_sustained_per_s = best
        self.report.best_proven_per_s = max(self.report.best_proven_per_s, step.proven_per_s)
        busiest = max(self.report.steps, key=lambda s: s.sent_per_s)
        if busiest.generator_cpu > 0:  # the most it sent, per CPU-second it used then
            ceiling = round(busiest.sent_per_s / busiest.generator_cpu, 1)
            self.report.generator_ceiling_per_s = ceiling

    async def _profile_step(self, rate: float) -> None:
        """One more step at ``rate`` with py-spy on the node that was busiest at the stop."""
        busiest = max(range(len(self.pids)), key=lambda i: self.report.steps[-1].node_cpu[i])
        seconds = self.options.step_seconds
        path = self.profile_dir / f"node{busiest}-py-spy.txt"
        spy = record_profile(self.pids[busiest], busiest, seconds, path)
        offer = self.load.offer(rate, self._step_seconds())

        async def both() -> None:
            await asyncio.sleep(self.options.settle_seconds)
            self.report.profile = await spy

        profile_task = asyncio.ensure_future(both())
        try:
            self.report.profile_step = await self._step(rate, offer)
            await profile_task
        finally:
            profile_task.cancel()
