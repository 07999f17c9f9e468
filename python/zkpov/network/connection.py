"""One authenticated peer connection: priority send queues, rate-limited reads, timeouts.

Two tasks per connection. The writer sends packets from the highest-priority channel that has
data, one chunk at a time, so a vote overtakes a block-sync response mid-frame; it sends a
keepalive when idle. The reader enforces, per peer: an idle timeout, a deadline for the rest of
each Noise message once its length arrived, a deadline for each started frame (slow-loris), a
byte-rate token bucket (reads pause, TCP pushes back) and per-channel frame buckets (frames over
them are dropped and counted). Any protocol violation closes the connection with a reason.

Memory per connection is bounded by the sum of the channels' ``max_body_bytes`` (partial frames)
plus the send queues (``send_queue_frames`` per channel).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zkpov.errors import DecodeError, ZkpovError
from zkpov.network.channels import DEFAULT_CHANNELS, ChannelId, ChannelSpec
from zkpov.network.codec import HEADER_BYTES, MAX_CHUNK_BYTES, Frame, PacketDecoder, encode_frame
from zkpov.network.noise import IdleTimeoutError, PeerIdentity, SecureStream
from zkpov.network.queues import SendQueues
from zkpov.network.ratelimit import TokenBucket

__all__ = [
    "ChannelTraffic",
    "Connection",
    "FrameHandler",
    "PeerStats",
    "TransportConfig",
    "TransportConfigError",
]

log = logging.getLogger("zkpov.network")


@dataclass(frozen=True)
class TransportConfig:
    """Timeouts in seconds, rates per second. Keep ``frame_timeout`` above the largest frame
    divided by ``recv_bytes_per_s``."""

    handshake_timeout: float = 5.0
    read_timeout: float = 10.0
    idle_timeout: float = 30.0
    frame_timeout: float = 30.0
    ping_interval: float = 10.0
    recv_bytes_per_s: float = 64 * 1024 * 1024
    recv_burst_bytes: float = 16 * 1024 * 1024
    max_peers: int = 64
    max_pending_handshakes: int = 64  # inbound, overall (see network.admission)
    max_pending_per_source: int = 4  # inbound, per source IP address
    verify_per_s: float = 10.0  # hello signature checks per source address
    verify_burst: float = 20.0
    refusal_log_interval: float = 10.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    close_timeout: float = 2.0
    channels: Mapping[ChannelId, ChannelSpec] = field(default_factory=lambda: DEFAULT_CHANNELS)

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if name != "channels" and not _is_positive(value):
                raise TransportConfigError(f"{name} must be a positive number, got {value!r}")
        if ChannelId.CONTROL not in self.channels:
            raise TransportConfigError("the CONTROL channel (keepalives) must be configured")
        if self.ping_interval >= self.idle_timeout:
            raise TransportConfigError("ping_interval must be shorter than idle_timeout")
        if self.max_pending_per_source > self.max_pending_handshakes:
            raise TransportConfigError("max_pending_per_source exceeds max_pending_handshakes")


class TransportConfigError(ZkpovError, ValueError):
    """A transport setting is out of range."""


def _is_positive(value: object) -> bool:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return is_number and 0 < value < float("inf")  # type: ignore[operator]


@dataclass
class ChannelTraffic:
    """Frame bytes (header included) by channel, e.g. for ``p2p_message_*_bytes_total``."""

    received: dict[ChannelId, int] = field(default_factory=dict)
    sent: dict[ChannelId, int] = field(default_factory=dict)

    def add(self, table: dict[ChannelId, int], channel: ChannelId, nbytes: int) -> None:
        table[channel] = table.get(channel, 0) + nbytes


@dataclass
class PeerStats:
    frames_in: int = 0
    frames_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    dropped_in: int = 0  # over a channel's inbound frame rate
    dropped_out: int = 0  # send queue full


FrameHandler = Callable[["Connection", Frame], Awaitable[None]]


class Connection:
    """A live, authenticated connection to one peer (see module docstring)."""

    def __init__(
        self, stream: SecureStream, config: TransportConfig, *, outbound: bool,
        address: tuple[str, int], dispatch: FrameHandler, traffic: ChannelTraffic | None = None,
    ) -> None:  # fmt: skip
        self.stream, self.config, self.outbound, self.address = stream, config, outbound, address
        self.peer: PeerIdentity = stream.peer
        self.stats = PeerStats()
        self.traffic = traffic or ChannelTraffic()
        self.close_reason: str | None = None
        self._dispatch = dispatch
        self._queues = SendQueues(config.channels)
        self._wakeup = asyncio.Event()
        self._decoder = PacketDecoder(config.channels)
        now = time.monotonic()
        self._byte_bucket = TokenBucket(config.recv_bytes_per_s, config.recv_burst_bytes, now)
        self._frame_buckets = {
            c: TokenBucket(s.recv_frames_per_s, s.recv_burst, now)
            for c, s in config.channels.items()
        }
        self._task: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self._stop = asyncio.Event()
        self._wrote_direct = False

    @property
    def validator_pk(self) -> bytes:
        return self.peer.validator_pk

    def is_open(self) -> bool:
        return self.close_reason is None

    def start(self, on_closed: Callable[[Connection], None]) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(on_closed))

    def send(self, channel: ChannelId, body: bytes, request_id: int = 0) -> bool:
        """Queue a frame; False if the connection is closed or that channel's queue is full."""
        spec = self.config.channels[channel]
        if len(body) > spec.max_body_bytes:
            raise ValueError(f"{channel.name} body of {len(body)} bytes exceeds its maximum")
        frame = encode_frame(Frame(channel, request_id, body))
        if self._is_idle_writer() and len(frame) <= MAX_CHUNK_BYTES:
            self._write_direct(bytes([channel]) + frame)
        elif not self.is_open() or not self._queues.push(channel, frame):
            self.stats.dropped_out += 1
            return False
        else:
            self._wakeup.set()
        self.stats.frames_out += 1
        self.traffic.add(self.traffic.sent, channel, len(frame))
        return True

    def close(self, reason: str) -> None:
        if self.close_reason is None:
            self.close_reason = reason
        self._stop.set()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    def __repr__(self) -> str:
        return f"Connection({self.validator_pk.hex()[:12]}..., {self.address}, out={self.outbound})"

    async def _run(self, on_closed: Callable[[Connection], None]) -> None:
        loops = [asyncio.create_task(self._read_loop()), asyncio.create_task(self._write_loop())]
        stop = asyncio.create_task(self._stop.wait())
        try:
            done, _ = await asyncio.wait([*loops, stop], return_when=asyncio.FIRST_COMPLETED)
            if stop not in done:
                self._record_reason(next(iter(done)))
        finally:
            try:
                await self._shutdown([*loops, stop])
            finally:
                self._closed.set()
                on_closed(self)

    def _record_reason(self, task: asyncio.Task[object]) -> None:
        exc = task.exception()
        if self.close_reason is None:
            self.close_reason = _describe(exc)
        expected = isinstance(exc, DecodeError | TimeoutError | ConnectionError | EOFError)
        log.log(logging.INFO if expected else logging.WARNING, "peer %r disconnected: %s",
                self, self.close_reason, exc_info=None if expected else exc)  # fmt: skip

    async def _shutdown(self, tasks: list[asyncio.Task[Any]]) -> None:
        self.close_reason = self.close_reason or "closed"
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.stream.writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.stream.writer.wait_closed(), self.config.close_timeout)

    async def _write_loop(self) -> None:
        while True:
            packet = self._queues.pop_packet()
            if packet is None:
                self._wakeup.clear()
                if not await _wait_event(self._wakeup, self.config.ping_interval):
                    self.send(ChannelId.CONTROL, b"")
                continue
            self._write_packet(packet)
            await self.stream.writer.drain()

    def _is_idle_writer(self) -> bool:
        """Open, nothing queued or buffered, no direct write yet in this loop iteration: the
        frame may skip the writer task (lower latency); frames sent in a burst still queue and
        share packets."""
        transport = self.stream.writer.transport
        return (
            not self._wrote_direct and self.is_open() and self._queues.is_empty()
            and not transport.is_closing() and transport.get_write_buffer_size() == 0
        )  # fmt: skip

    def _write_direct(self, packet: bytes) -> None:
        self._wrote_direct = True
        asyncio.get_running_loop().call_soon(self._end_direct_tick)
        self._write_packet(packet)

    def _end_direct_tick(self) -> None:
        self._wrote_direct = False

    def _write_packet(self, packet: bytes) -> None:
        self.stream.write_packet(packet)
        self.stats.bytes_out += len(packet)

    async def _read_loop(self) -> None:
        while True:
            packet = await self._read_packet()
            self.stats.bytes_in += len(packet)
            delay = self._byte_bucket.take_with_delay(len(packet), time.monotonic())
            if delay > 0:
                await asyncio.sleep(delay)
            for frame in self._decoder.feed(packet, time.monotonic()):
                await self._on_frame(frame)

    async def _read_packet(self) -> bytes:
        started = self._decoder.get_oldest_start()
        budget = self.config.idle_timeout
        if started is not None:
            budget = min(budget, started + self.config.frame_timeout - time.monotonic())
        try:
            return await self.stream.read_packet(max(budget, 0.0), self.config.read_timeout)
        except IdleTimeoutError as exc:
            if started is not None and budget < self.config.idle_timeout:
                raise TimeoutError("a frame did not complete within frame_timeout") from exc
            raise

    async def _on_frame(self, frame: Frame) -> None:
        self.stats.frames_in += 1
        self.traffic.add(self.traffic.received, frame.channel, HEADER_BYTES + len(frame.body))
        if not self._frame_buckets[frame.channel].try_take(1, time.monotonic()):
            self.stats.dropped_in += 1
            return
        if frame.channel == ChannelId.CONTROL:
            return
        try:
            await self._dispatch(self, frame)
        except DecodeError:
            raise
        except Exception:
            log.exception("handler failed on a %s frame from %r", frame.channel.name, self)


async def _wait_event(event: asyncio.Event, timeout: float) -> bool:
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except TimeoutError:
        return False
    return True


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, DecodeError):
        return f"protocol violation: {exc}"
    if isinstance(exc, TimeoutError):
        return f"timeout: {exc}" if str(exc) else "timeout"
    if isinstance(exc, asyncio.IncompleteReadError | ConnectionError):
        return "connection lost"
    return f"error: {exc!r}"
