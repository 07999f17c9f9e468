"""Frames and packets of the node-to-node protocol; sans-I/O decoders that raise only DecodeError.

A frame is ``length (u32 BE) | channel (u8) | request id (u32 BE) | body``, ``length`` being the
body's size. Each channel's frames form their own byte stream; the streams are cut into packets
``channel (u8) | chunk`` (at most :data:`MAX_CHUNK_BYTES`) so that a vote can overtake a large
sync frame between two chunks. One packet is the plaintext of one Noise transport message.

:class:`FrameDecoder` reads a frame's 9-byte header, checks the channel and the length against
that channel's maximum, and only then buffers the body. Bodies are msgpack; :func:`unpack_body`
decodes them with per-type caps.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgpack

from zkpov.errors import DecodeError
from zkpov.network.channels import ChannelId, ChannelSpec

__all__ = [
    "HEADER_BYTES",
    "MAX_CHUNK_BYTES",
    "BodyLimits",
    "Frame",
    "FrameDecoder",
    "PacketDecoder",
    "encode_frame",
    "encode_packets",
    "pack_body",
    "unpack_body",
]

_HEADER = struct.Struct(">IBI")
HEADER_BYTES = _HEADER.size
MAX_CHUNK_BYTES = 16 * 1024
_MAX_REQUEST_ID = (1 << 32) - 1


@dataclass(frozen=True)
class Frame:
    channel: ChannelId
    request_id: int
    body: bytes


def encode_frame(frame: Frame) -> bytes:
    if not 0 <= frame.request_id <= _MAX_REQUEST_ID:
        raise ValueError(f"request id {frame.request_id} is not a uint32")
    return _HEADER.pack(len(frame.body), frame.channel, frame.request_id) + frame.body


def encode_packets(channel: ChannelId, data: bytes) -> list[bytes]:
    """Cut one channel's bytes into packets (used by tests and the benchmark)."""
    tag = bytes([channel])
    return [tag + data[i : i + MAX_CHUNK_BYTES] for i in range(0, len(data), MAX_CHUNK_BYTES)]


class FrameDecoder:
    """Incremental decoder of one channel's frame stream; memory is bounded by the channel cap."""

    def __init__(self, spec: ChannelSpec) -> None:
        self.spec = spec
        self._buffer = bytearray()
        self._need: int | None = None  # body length once the header is checked
        self.started_at: float | None = None  # when the frame now in the buffer began

    def feed(self, data: bytes, now: float = 0.0) -> list[Frame]:
        """Frames completed by ``data``; ``DecodeError`` on a bad header (the stream is dead)."""
        if not self._buffer:
            self.started_at = now
        self._buffer += data
        frames: list[Frame] = []
        while (frame := self._next_frame()) is not None:
            frames.append(frame)
            self.started_at = now
        if not self._buffer:
            self.started_at = None
        return frames

    def _next_frame(self) -> Frame | None:
        if self._need is None:
            if len(self._buffer) < HEADER_BYTES:
                return None
            self._need = self._check_header(bytes(self._buffer[:HEADER_BYTES]))
        end = HEADER_BYTES + self._need
        if len(self._buffer) < end:
            return None
        request_id = _HEADER.unpack_from(self._buffer)[2]
        frame = Frame(self.spec.channel, request_id, bytes(self._buffer[HEADER_BYTES:end]))
        del self._buffer[:end]
        self._need = None
        return frame

    def _check_header(self, header: bytes) -> int:
        length, channel, _ = _HEADER.unpack(header)
        name, cap = self.spec.channel.name, self.spec.max_body_bytes
        if channel != self.spec.channel:
            raise DecodeError(
                f"frame for channel {channel:#x} in the {self.spec.channel.name} stream"
            )
        if length > self.spec.max_body_bytes:
            raise DecodeError(f"{name} frame of {length} bytes exceeds {cap}")
        return int(length)


class PacketDecoder:
    """Splits packets by channel into per-channel :class:`FrameDecoder` streams."""

    def __init__(self, channels: Mapping[ChannelId, ChannelSpec]) -> None:
        self._decoders = {int(c): FrameDecoder(spec) for c, spec in channels.items()}

    def feed(self, packet: bytes, now: float = 0.0) -> list[Frame]:
        """Frames completed by ``packet`` (received at ``now``); ``DecodeError`` if malformed."""
        if len(packet) < 2 or len(packet) > 1 + MAX_CHUNK_BYTES:
            raise DecodeError(f"packet of {len(packet)} bytes is outside 2..{1 + MAX_CHUNK_BYTES}")
        decoder = self._decoders.get(packet[0])
        if decoder is None:
            raise DecodeError(f"packet for unknown channel {packet[0]:#x}")
        return decoder.feed(packet[1:], now)

    def get_oldest_start(self) -> float | None:
        """When the oldest incomplete frame began, or None if no frame is incomplete."""
        starts = [d.started_at for d in self._decoders.values() if d.started_at is not None]
        return min(starts, default=None)


@dataclass(frozen=True)
class BodyLimits:
    max_bin_len: int = 4 * 1024 * 1024
    max_str_len: int = 64 * 1024
    max_array_len: int = 1 << 16
    max_map_len: int = 1024
    max_ext_len: int = 0


def pack_body(obj: Any) -> bytes:
    return bytes(msgpack.packb(obj, use_bin_type=True))


def unpack_body(body: bytes, limits: BodyLimits | None = None) -> Any:
    """One msgpack object with caps on every length; ``DecodeError`` otherwise."""
    caps = limits or BodyLimits()
    try:
        return msgpack.unpackb(
            body, raw=False, strict_map_key=True, max_bin_len=caps.max_bin_len,
            max_str_len=caps.max_str_len, max_array_len=caps.max_array_len,
            max_map_len=caps.max_map_len, max_ext_len=caps.max_ext_len,
        )  # fmt: skip
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise DecodeError(f"frame body is not valid msgpack: {exc}") from exc
