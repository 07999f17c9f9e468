"""Node transport and block store: zkpov against plain baselines, in one run.

    python benches/bench_network.py [--quick]

Transport rows run two endpoints in one process on loopback. The peer is plain asyncio TCP with
the same length-prefixed framing and no encryption, authentication, queues or limits: the ratio
(zkpov / peer) is what Noise, the priority queues and the rate limiting cost. The benchmark
raises the channels' inbound frame rates so that the limiter measures rather than drops.
Store rows write one block per LMDB transaction (fsync on commit, as a node commits) and read
them back by id; the peer is SQLite (WAL, synchronous=FULL) doing the same. Each cell is the
median of several runs.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from zkpov.crypto import bls
from zkpov.network.channels import DEFAULT_CHANNELS, ChannelId
from zkpov.network.codec import Frame
from zkpov.network.connection import Connection, TransportConfig
from zkpov.network.noise import NodeIdentity, NodeKey
from zkpov.network.transport import Transport
from zkpov.storage.block_store import WriteBatch
from zkpov.storage.lmdb_store import LmdbBlockStore

VOTE = os.urandom(200)  # about a vote: vote data, voter index, 96-byte signature
CHANNELS = {
    c: dataclasses.replace(s, recv_frames_per_s=1e9, recv_burst=10**9)
    for c, s in DEFAULT_CHANNELS.items()
}
CONFIG = TransportConfig(channels=CHANNELS)


def make_pair() -> tuple[NodeIdentity, NodeIdentity, set[bytes]]:
    a = NodeIdentity(b"bench", NodeKey.generate(), bls.keygen(os.urandom(32)))
    b = NodeIdentity(b"bench", NodeKey.generate(), bls.keygen(os.urandom(32)))
    return a, b, {a.validator_pk, b.validator_pk}


async def zkpov_session(
    body: Callable[[Connection, asyncio.Queue[Frame]], Awaitable[float]],
) -> float:
    a, b, allowed = make_pair()
    client, server = (
        Transport(a, allowed.__contains__, CONFIG),
        Transport(b, allowed.__contains__, CONFIG),
    )
    inbox: asyncio.Queue[Frame] = asyncio.Queue()

    async def echo(conn: Connection, frame: Frame) -> None:
        if frame.request_id:
            conn.send(frame.channel, frame.body, 0)
        else:
            inbox.put_nowait(frame)

    async def collect(conn: Connection, frame: Frame) -> None:
        inbox.put_nowait(frame)

    server.register(ChannelId.CONSENSUS, echo)
    client.register(ChannelId.CONSENSUS, collect)
    conn = await client.dial(*(await server.start()))
    try:
        return await body(conn, inbox)
    finally:
        await client.close()
        await server.close()


async def zkpov_rtt(conn: Connection, inbox: asyncio.Queue[Frame], count: int) -> float:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        conn.send(ChannelId.CONSENSUS, VOTE, 1)
        await inbox.get()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


async def zkpov_throughput(
    conn: Connection, count: int, server_inbox: asyncio.Queue[Frame]
) -> float:
    start = time.perf_counter()
    for _ in range(count):
        while not conn.send(ChannelId.CONSENSUS, VOTE):
            await asyncio.sleep(0)
    for _ in range(count):
        await server_inbox.get()
    return count / (time.perf_counter() - start)


async def plain_session(count: int, mode: str) -> float:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received = 0
        while received < count:
            length = int.from_bytes(await reader.readexactly(4), "big")
            body = await reader.readexactly(length)
            received += 1
            if mode == "rtt":
                writer.write(len(body).to_bytes(4, "big") + body)
                await writer.drain()
        writer.write(b"done" if mode != "rtt" else b"")
        await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
    try:
        return await (
            plain_rtt(reader, writer, count)
            if mode == "rtt"
            else plain_flood(reader, writer, count)
        )
    finally:
        writer.close()
        server.close()


async def plain_rtt(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: int
) -> float:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        writer.write(len(VOTE).to_bytes(4, "big") + VOTE)
        await writer.drain()
        await reader.readexactly(4 + int.from_bytes(await reader.readexactly(4), "big") - 4)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


async def plain_flood(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: int
) -> float:
    start = time.perf_counter()
    for _ in range(count):
        writer.write(len(VOTE).to_bytes(4, "big") + VOTE)
        await writer.drain()
    await reader.readexactly(4)
    return count / (time.perf_counter() - start)


async def zkpov_flood(count: int) -> float:
    a, b, allowed = make_pair()
    client, server = (
        Transport(a, allowed.__contains__, CONFIG),
        Transport(b, allowed.__contains__, CONFIG),
    )
    inbox: asyncio.Queue[Frame] = asyncio.Queue()

    async def collect(conn: Connection, frame: Frame) -> None:
        inbox.put_nowait(frame)

    server.register(ChannelId.CONSENSUS, collect)
    conn = await client.dial(*(await server.start()))
    try:
        return await zkpov_throughput(conn, count, inbox)
    finally:
        await client.close()
        await server.close()


def lmdb_rates(directory: Path, count: int) -> tuple[float, float]:
    ids = [os.urandom(32) for _ in range(count)]
    blob = os.urandom(4096)
    with LmdbBlockStore(directory / "lmdb") as store:
        start = time.perf_counter()
        for height, block_id in enumerate(ids):
            store.write(WriteBatch().put_block(block_id, blob).commit(height, block_id))
        write = count / (time.perf_counter() - start)
        start = time.perf_counter()
        for block_id in ids:
            store.get_block(block_id)
        read = count / (time.perf_counter() - start)
    return write, read


def sqlite_rates(directory: Path, count: int) -> tuple[float, float]:
    ids = [os.urandom(32) for _ in range(count)]
    blob = os.urandom(4096)
    conn = sqlite3.connect(directory / "blocks.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE blocks (id BLOB PRIMARY KEY, body BLOB)")
    conn.execute("CREATE TABLE log (height INTEGER PRIMARY KEY, id BLOB)")
    start = time.perf_counter()
    for height, block_id in enumerate(ids):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO blocks VALUES (?, ?)", (block_id, blob))
        conn.execute("INSERT INTO log VALUES (?, ?)", (height, block_id))
        conn.execute("COMMIT")
    write = count / (time.perf_counter() - start)
    start = time.perf_counter()
    for block_id in ids:
        conn.execute("SELECT body FROM blocks WHERE id=?", (block_id,)).fetchone()
    read = count / (time.perf_counter() - start)
    conn.close()
    return write, read


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def measure_transport(runs: int, count: int) -> list[tuple[str, str, float, float]]:
    rtt = median_of(runs, lambda: asyncio.run(zkpov_session(lambda c, q: zkpov_rtt(c, q, count))))
    plain_rtt_s = median_of(runs, lambda: asyncio.run(plain_session(count, "rtt")))
    flood = median_of(runs, lambda: asyncio.run(zkpov_flood(count * 10)))
    plain_flood_s = median_of(runs, lambda: asyncio.run(plain_session(count * 10, "flood")))
    return [
        ("vote round trip (200 B)", "us", rtt * 1e6, plain_rtt_s * 1e6),
        ("one-way votes (200 B)", "frames/s", flood, plain_flood_s),
    ]


def measure_store(runs: int, count: int) -> list[tuple[str, str, float, float]]:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            results.append((*lmdb_rates(Path(tmp), count), *sqlite_rates(Path(tmp), count)))
    med = [statistics.median(r[i] for r in results) for i in range(4)]
    return [
        ("block write, 4 KiB, 1 txn each", "blocks/s", med[0], med[2]),
        ("block read by id", "blocks/s", med[1], med[3]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs (CI)")
    args = parser.parse_args()
    runs, count = (3, 200) if args.quick else (5, 1000)
    rows = measure_transport(runs, count) + measure_store(runs, count)
    host = f"{platform.machine()}, {os.cpu_count()} cpus, python {platform.python_version()}"
    print(f"# {host}")
    print(f"| {'metric':32} | {'unit':9} | {'zkpov':>11} | {'peer':>11} | {'ratio':>6} |")
    print(f"|{'-' * 34}|{'-' * 11}|{'-' * 13}|{'-' * 13}|{'-' * 8}|")
    for name, unit, ours, peer in rows:
        print(f"| {name:32} | {unit:9} | {ours:11.1f} | {peer:11.1f} | {ours / peer:6.2f} |")
    print("peer: plain asyncio TCP (transport rows), SQLite WAL synchronous=FULL (store rows)")


if __name__ == "__main__":
    main()
