"""Node transport under attack on loopback: how well a good peer is served meanwhile.

    python benches/bench_transport_faults.py [--quick]

Each row runs a server, a good peer that sends it a numbered ping every 20 ms, and an attacker
doing one of the things tests/network/test_transport.py checks is cut off. The tests assert
behaviour only (the attacker is cut off; the good peer stays connected, loses no ping and is
still served afterwards); this script measures what they no longer time:

- served: the good peer's pings that reached the server inside the window, as a share of those it
  sent inside the window (the window runs from the attacker's connect until it is cut off, and
  at least 1 s). The row without an attack is the baseline.
- longest gap: the longest wait between two of the good peer's pings at the server inside the
  window (20 ms plus scheduling when nothing stalls).
- cut off after: how long the attacker's connection lived.

A second table times ``Transport.close()`` with one silent handshake pending (the test only checks
that close cancels it instead of waiting out the handshake timeout). Each cell is the median of
several runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from zkpov.crypto import bls
from zkpov.network.channels import ChannelId
from zkpov.network.codec import Frame, encode_frame, pack_body
from zkpov.network.connection import Connection, TransportConfig
from zkpov.network.noise import NodeIdentity, NodeKey, SecureStream, handshake
from zkpov.network.transport import Transport

# The timeouts of the transport tests (tests/network/helpers.py FAST), so the rows match them.
CONFIG = TransportConfig(
    handshake_timeout=2.0, read_timeout=1.0, idle_timeout=5.0, frame_timeout=2.0,
    ping_interval=1.0, backoff_base=0.05, backoff_cap=0.4,
)  # fmt: skip
PING_EVERY = 0.02
MIN_WINDOW = 1.0
Attack = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def make_identity(seed: int) -> NodeIdentity:
    return NodeIdentity(b"bench", NodeKey.generate(), bls.keygen(seed.to_bytes(4, "big") * 8))


SERVER, GOOD, BAD = make_identity(10), make_identity(11), make_identity(12)
ALLOWED = {SERVER.validator_pk, GOOD.validator_pk, BAD.validator_pk}


async def secure(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> SecureStream:
    return await handshake(reader, writer, BAD, ALLOWED.__contains__, initiator=True, timeout=2)


async def garbage_before_the_handshake(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    writer.write(os.urandom(300))


async def silent_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    pass  # cut off at the handshake timeout


async def garbage_after_the_handshake(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    await secure(reader, writer)
    writer.write(b"\x01\x00" + os.urandom(256))


async def oversized_length_prefix(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    stream = await secure(reader, writer)
    header = (2**32 - 1).to_bytes(4, "big") + bytes([ChannelId.TRANSACTIONS]) + bytes(4)
    stream.write_packet(bytes([ChannelId.TRANSACTIONS]) + header)


async def slow_loris_inside_one_message(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    stream = await secure(reader, writer)
    message = stream._noise.encrypt(b"\x20" + encode_frame(Frame(ChannelId.CONSENSUS, 0, b"v")))
    for byte in len(message).to_bytes(2, "big") + message:  # one byte every 0.3 s
        if writer.is_closing():
            return
        writer.write(bytes([byte]))
        await asyncio.sleep(0.3)


async def slow_loris_across_messages(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    stream = await secure(reader, writer)
    for byte in encode_frame(Frame(ChannelId.CONSENSUS, 0, b"v" * 100)):  # one byte every 0.4 s
        if writer.is_closing():
            return
        stream.write_packet(bytes([ChannelId.CONSENSUS, byte]))
        await asyncio.sleep(0.4)


ATTACKS: list[tuple[str, Attack | None]] = [
    ("none (baseline)", None),
    ("garbage before the handshake", garbage_before_the_handshake),
    ("silent connection", silent_connection),
    ("garbage after the handshake", garbage_after_the_handshake),
    ("oversized length prefix", oversized_length_prefix),
    ("slow-loris inside one message", slow_loris_inside_one_message),
    ("slow-loris across messages", slow_loris_across_messages),
]


@dataclass
class Sample:
    served: float
    longest_gap: float
    cut_after: float


async def _is_hung_up(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(ConnectionError):
        while await reader.read(65536):
            pass


async def under_attack(attack: Attack | None) -> Sample:
    arrivals: list[float] = []
    sent: list[float] = []

    async def on_ping(conn: Connection, frame: Frame) -> None:
        if conn.validator_pk == GOOD.validator_pk:
            arrivals.append(time.perf_counter())

    server = Transport(SERVER, ALLOWED.__contains__, CONFIG)
    good = Transport(GOOD, ALLOWED.__contains__, CONFIG)
    server.register(ChannelId.CONSENSUS, on_ping)
    address = await server.start("127.0.0.1", 0)
    await good.start("127.0.0.1", 0)
    await good.dial(*address)

    async def pinger() -> None:
        for i in itertools.count():
            good.send(SERVER.validator_pk, ChannelId.CONSENSUS, pack_body(i))
            sent.append(time.perf_counter())
            await asyncio.sleep(PING_EVERY)

    ping = asyncio.create_task(pinger())
    await asyncio.sleep(0.2)  # the link is up and pings flow
    start = cut = time.perf_counter()
    if attack is not None:
        reader, writer = await asyncio.open_connection(*address)
        with contextlib.suppress(ConnectionError):
            await attack(reader, writer)
        await asyncio.wait_for(_is_hung_up(reader), 30)
        cut = time.perf_counter()
        writer.close()
    end = max(cut, start + MIN_WINDOW)
    await asyncio.sleep(max(0.0, end - time.perf_counter()) + 0.1)  # late pings may still land
    ping.cancel()
    await good.close()
    await server.close()
    got = [t for t in arrivals if start <= t <= end]
    n_sent = sum(1 for t in sent if start <= t <= end)
    edges = [start, *got, end]
    return Sample(
        served=len(got) / n_sent if n_sent else float("nan"),
        longest_gap=max(b - a for a, b in itertools.pairwise(edges)),
        cut_after=cut - start,
    )


async def close_with_a_pending_handshake() -> float:
    # On Python 3.11 asyncio's stream callback asks the cancelled handshake task for its
    # exception and reports the CancelledError; keep that report out of the table.
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(
        lambda lp, ctx: (
            None
            if isinstance(ctx.get("exception"), asyncio.CancelledError)
            else lp.default_exception_handler(ctx)
        )
    )
    config = dataclasses.replace(CONFIG, handshake_timeout=120.0)
    server = Transport(SERVER, ALLOWED.__contains__, config)
    address = await server.start("127.0.0.1", 0)
    _, writer = await asyncio.open_connection(*address)  # connects, then says nothing
    await asyncio.sleep(0.05)
    start = time.perf_counter()
    await server.close()
    took = time.perf_counter() - start
    writer.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args()
    runs = 3 if args.quick else 7
    load = os.getloadavg()[0]
    print(
        f"# {platform.machine()}, {os.cpu_count()} cpus, {platform.platform()}, "
        f"python {platform.python_version()}, load average {load:.2f} at start; medians of {runs}"
    )
    print(
        f"| {'attack':30} | {'served':>6} | {'longest gap (ms)':>16} | {'cut off after (s)':>17} |"
    )
    print(f"|{'-' * 32}|{'-' * 8}|{'-' * 18}|{'-' * 19}|")
    for name, attack in ATTACKS:
        samples = [asyncio.run(under_attack(attack)) for _ in range(runs)]
        served = statistics.median(s.served for s in samples)
        gap = statistics.median(s.longest_gap for s in samples) * 1e3
        cut = "-" if attack is None else f"{statistics.median(s.cut_after for s in samples):.3f}"
        print(f"| {name:30} | {served:6.2f} | {gap:16.1f} | {cut:>17} |")
    closes = [asyncio.run(close_with_a_pending_handshake()) for _ in range(runs)]
    print()
    print(f"| {'operation':42} | {'ms':>8} |")
    print(f"|{'-' * 44}|{'-' * 10}|")
    close_ms = statistics.median(closes) * 1e3
    print(f"| {'Transport.close(), one silent handshake':42} | {close_ms:8.1f} |")


if __name__ == "__main__":
    main()
