"""``zkpov devnet``: N validator processes on loopback, a transfer load, live progress, summary.

The load is sized to what the provers keep up with: at most ``batch_size`` transfers in flight
per validator, since a proposer includes no transfers while its previous batch is being proven.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import shutil
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import aiohttp

from zkpov.chain.state import compute_chain_tag
from zkpov.devnet.joiners import Joiner, count_joiner_signatures, start_joiners
from zkpov.devnet.load import (
    DEVNET_FEE,
    Load,
    NodeProgress,
    Tracker,
    poll_node,
    submit_load,
    wait_ready,
)
from zkpov.devnet.options import DevnetOptions
from zkpov.devnet.processes import read_usage, spawn_nodes, stop_nodes
from zkpov.devnet.prover_cluster import point_nodes_at, start_prover_cluster
from zkpov.devnet.summary import DevnetReport, get_honest, summarize
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.key_cache import load_circuit_keys
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.rpc.client import RpcClient
from zkpov.node.state.genesis import compute_genesis_hash

__all__ = ["DevnetOptions", "DevnetReport", "prepare_devnet", "read_last_error", "run_devnet"]

MARKER = ".zkpov-devnet"
PROOF_DRAIN_SECONDS = 180.0
START_SECONDS = 120.0  # each node loads keys and opens LMDB before it serves RPC


def prepare_devnet(options: DevnetOptions) -> TestnetLayout:
    """A fresh devnet directory (a previous devnet there is removed; anything else is refused)."""
    root = options.directory
    if root.exists() and any(root.iterdir()):
        if not (root / MARKER).exists():
            raise FileExistsError(f"{root} is not empty and is not a zkpov devnet")
        shutil.rmtree(root)
    layout = create_testnet(
        root,
        options.validators,
        base_port=options.base_port,
        circuit=(options.batch_size, options.depth),
        proof_lag=options.proof_lag if options.proofs else 0,
        accounts=options.accounts,
        epoch_length=options.epoch_length,
        joiners=options.join,
    )
    (root / MARKER).write_text("created by zkpov devnet\n")
    for home in layout.homes + layout.joiner_homes:
        config = load_node_config(home)
        cap = options.max_block_transfers
        config = dataclasses.replace(config, proofs_enabled=options.proofs, max_block_transfers=cap)
        write_node_config(dataclasses.replace(config, mempool_min_fee=DEVNET_FEE))
    if options.proofs:  # one setup for all nodes (insecure, devnet-only keys)
        genesis_hash = compute_genesis_hash(layout.genesis)
        load_circuit_keys(options.batch_size, options.depth, root / "circuit-keys", genesis_hash)
    return layout


def read_last_error(path: Path, limit: int = 4000) -> str:
    """The last line of a node's log: a node that fails ends it with ``error: ...``."""
    try:
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - limit))
            tail = fh.read(limit).decode(errors="replace")
    except OSError as err:
        return f"no log: {err.strerror}"
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    return lines[-1] if lines else "its log is empty"


async def drive(
    options: DevnetOptions,
    clients: list[RpcClient],
    tracker: Tracker,
    on_progress: Any,
    stop: asyncio.Event,
) -> list[NodeProgress]:
    """Submits load and polls until every node has ``options.blocks`` final blocks (or time out,
    or ``stop``)."""
    deadline = time.monotonic() + options.timeout
    in_flight = options.validators * options.batch_size if options.proofs else options.in_flight
    while True:
        progress = list(await asyncio.gather(*(poll_node(c) for c in clients)))
        await tracker.collect(clients[0], progress[0].height)
        await submit_load(clients, tracker, in_flight)
        on_progress(progress, tracker)
        done = min(p.height for p in progress) >= options.blocks or time.monotonic() > deadline
        if done or stop.is_set():
            return progress
        await asyncio.sleep(0.3)


async def drain_proofs(
    options: DevnetOptions,
    clients: list[RpcClient],
    tracker: Tracker,
    progress: list[NodeProgress],
    on_progress: Any,
    stop: asyncio.Event,
) -> list[NodeProgress]:
    """After the last block: wait (bounded, or until ``stop``) until every node holds proofs of
    the proven blocks."""
    final = min(p.height for p in progress)
    last_with_txs = max((h for h, n in tracker.tx_heights.items() if n and h <= final), default=0)
    deadline = time.monotonic() + min(options.timeout, PROOF_DRAIN_SECONDS)
    while (
        min(p.proven_final for p in progress) < last_with_txs
        and time.monotonic() < deadline
        and not stop.is_set()
    ):
        await asyncio.sleep(0.5)
        progress = list(await asyncio.gather(*(poll_node(c) for c in clients)))
        on_progress(progress, tracker)
    return progress


async def run_devnet(
    options: DevnetOptions, layout: TestnetLayout, on_progress: Any, stop: asyncio.Event
) -> DevnetReport:
    """Spawns the nodes, drives the load until done or ``stop``, and always stops the processes.
    A run stopped early still reports what it saw (``stopped_early``)."""
    started = time.monotonic()
    cluster = None
    if options.proofs and options.prover_workers:
        cluster = await asyncio.to_thread(
            start_prover_cluster, options.directory, options.prover_workers
        )
        point_nodes_at(layout, cluster.address)
    procs = spawn_nodes(layout, {index: mode for mode, index in options.byzantine})
    accounts = [read_key_file(path, KeyKind.ACCOUNT) for path in layout.account_key_files]
    chain_tag = compute_chain_tag(compute_genesis_hash(layout.genesis))
    attackers = frozenset(index for _, index in options.byzantine)
    load = Load(
        accounts, options.depth, chain_tag, options.stake_every, options.validators, attackers
    )
    tracker = Tracker(load)
    joiners: list[Joiner] = []
    try:
        async with aiohttp.ClientSession() as session:
            clients = [_client(session, home) for home in layout.homes]
            ready = wait_ready(clients, START_SECONDS, lambda i: procs[i].poll() is None)
            make_client = functools.partial(_client, session)
            if not await run_unless_stopped(ready, stop) or not await run_unless_stopped(
                start_joiners(layout, make_client, clients, procs, joiners), stop
            ):
                report = DevnetReport(load_note="stopped before every node was ready")
            else:
                report = await _drive_and_summarize(options, clients, tracker, on_progress, stop)
                report.joined_signed_qcs = await count_joiner_signatures(
                    clients[get_honest(options, len(clients))], report.finalized_height, joiners
                )
        report.stopped_early = stop.is_set()
        usage = [read_usage(proc.pid) for proc in procs]
        report.node_cpu_seconds = [cpu for cpu, _ in usage]
        report.node_max_rss_mb = [rss for _, rss in usage]
    finally:
        await asyncio.to_thread(stop_nodes, procs)
        if cluster is not None:
            await asyncio.to_thread(cluster.stop)
    report.wall_seconds = round(time.monotonic() - started, 1)
    return report


async def _drive_and_summarize(
    options: DevnetOptions,
    clients: list[RpcClient],
    tracker: Tracker,
    on_progress: Any,
    stop: asyncio.Event,
) -> DevnetReport:
    progress = await drive(options, clients, tracker, on_progress, stop)
    if options.proofs:
        progress = await drain_proofs(options, clients, tracker, progress, on_progress, stop)
    if stop.is_set():  # the last poll may predate the signal by a poll interval or more
        progress = await refresh_progress(clients, progress)
    return await summarize(options, clients, tracker, progress)


async def refresh_progress(
    clients: list[RpcClient], progress: list[NodeProgress]
) -> list[NodeProgress]:
    """Polls every node once more; a node that no longer answers keeps what it last showed."""
    fresh = await asyncio.gather(*(poll_node(c) for c in clients))
    return [
        new if new.height >= old.height else old for new, old in zip(fresh, progress, strict=True)
    ]


async def run_unless_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Runs ``work`` to its end (True) unless ``stop`` is set first (it is cancelled: False)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    for pending in (task, stopped):
        pending.cancel()
    await asyncio.gather(stopped, return_exceptions=True)
    if not task.done() or task.cancelled():
        await asyncio.gather(task, return_exceptions=True)
        return False
    task.result()  # raises what ``work`` raised
    return True


def _client(session: aiohttp.ClientSession, home: Path) -> RpcClient:
    host, port = load_node_config(home).rpc_listen
    return RpcClient(session, f"http://{host}:{port}")
