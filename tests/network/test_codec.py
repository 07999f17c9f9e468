"""Frames and packets: caps checked before bodies are buffered; bad input gives DecodeError only."""

from __future__ import annotations

import contextlib
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.errors import DecodeError
from zkpov.network.channels import DEFAULT_CHANNELS, ChannelId
from zkpov.network.codec import (
    HEADER_BYTES,
    MAX_CHUNK_BYTES,
    BodyLimits,
    Frame,
    FrameDecoder,
    PacketDecoder,
    encode_frame,
    encode_packets,
    pack_body,
    unpack_body,
)
from zkpov.network.queues import SendQueues

CONSENSUS = DEFAULT_CHANNELS[ChannelId.CONSENSUS]
TXS = DEFAULT_CHANNELS[ChannelId.TRANSACTIONS]


def test_frames_survive_any_split_into_pieces() -> None:
    frames = [Frame(ChannelId.CONSENSUS, i, bytes([i]) * (i * 997)) for i in range(20)]
    stream = b"".join(encode_frame(f) for f in frames)
    rng = random.Random(7)
    decoder, out, at = FrameDecoder(CONSENSUS), [], 0
    while at < len(stream):
        step = rng.randint(1, 5000)
        out += decoder.feed(stream[at : at + step])
        at += step
    assert out == frames
    assert decoder.started_at is None


def test_an_oversized_length_is_refused_from_the_header_alone() -> None:
    header = encode_frame(Frame(ChannelId.TRANSACTIONS, 0, b""))[:HEADER_BYTES]
    oversized = (TXS.max_body_bytes + 1).to_bytes(4, "big") + header[4:]
    with pytest.raises(DecodeError, match="exceeds"):
        FrameDecoder(TXS).feed(oversized)
    with pytest.raises(DecodeError, match="exceeds"):
        FrameDecoder(TXS).feed(b"\xff\xff\xff\xff" + header[4:])


def test_a_body_at_the_cap_is_accepted() -> None:
    frame = Frame(ChannelId.TRANSACTIONS, 3, b"x" * TXS.max_body_bytes)
    assert FrameDecoder(TXS).feed(encode_frame(frame)) == [frame]


def test_a_frame_in_another_channels_stream_is_refused() -> None:
    with pytest.raises(DecodeError, match="channel"):
        FrameDecoder(TXS).feed(encode_frame(Frame(ChannelId.CONSENSUS, 0, b"x")))


def test_started_at_tracks_the_incomplete_frame() -> None:
    data = encode_frame(Frame(ChannelId.CONSENSUS, 0, b"abcdef"))
    decoder = FrameDecoder(CONSENSUS)
    assert decoder.feed(data[:5], now=1.0) == [] and decoder.started_at == 1.0
    assert decoder.feed(data[5:] + data[:3], now=2.0) != [] and decoder.started_at == 2.0


@pytest.mark.parametrize(
    "packet", [b"", b"\x20", b"\x99abc", b"\x20" + b"x" * (MAX_CHUNK_BYTES + 1)]
)
def test_bad_packets_are_refused(packet: bytes) -> None:
    with pytest.raises(DecodeError):
        PacketDecoder(DEFAULT_CHANNELS).feed(packet)


def test_packets_interleave_channels() -> None:
    big = encode_frame(Frame(ChannelId.BLOCK_SYNC, 9, b"s" * 50_000))
    small = encode_frame(Frame(ChannelId.CONSENSUS, 0, b"vote"))
    sync_packets = encode_packets(ChannelId.BLOCK_SYNC, big)
    decoder = PacketDecoder(DEFAULT_CHANNELS)
    out = decoder.feed(sync_packets[0]) + decoder.feed(
        encode_packets(ChannelId.CONSENSUS, small)[0]
    )
    assert out == [Frame(ChannelId.CONSENSUS, 0, b"vote")]
    assert decoder.get_oldest_start() is not None
    for packet in sync_packets[1:]:
        out += decoder.feed(packet)
    assert out[-1] == Frame(ChannelId.BLOCK_SYNC, 9, b"s" * 50_000)
    assert decoder.get_oldest_start() is None


def test_send_queues_put_votes_before_queued_sync_chunks() -> None:
    queues = SendQueues(DEFAULT_CHANNELS)
    for _ in range(3):
        queues.push(
            ChannelId.BLOCK_SYNC, encode_frame(Frame(ChannelId.BLOCK_SYNC, 1, b"s" * 40_000))
        )
    queues.push(ChannelId.TRANSACTIONS, encode_frame(Frame(ChannelId.TRANSACTIONS, 0, b"tx")))
    first_sync = queues.pop_packet()
    queues.push(ChannelId.CONSENSUS, encode_frame(Frame(ChannelId.CONSENSUS, 0, b"vote")))
    order = [first_sync, *iter(queues.pop_packet, None)]
    channels = [packet[0] for packet in order if packet is not None]
    assert channels[:2] == [ChannelId.BLOCK_SYNC, ChannelId.CONSENSUS]
    assert channels[-1] == ChannelId.TRANSACTIONS


def test_send_queue_is_bounded() -> None:
    queues = SendQueues(DEFAULT_CHANNELS)
    cap = DEFAULT_CHANNELS[ChannelId.BLOCK_SYNC].send_queue_frames
    assert all(queues.push(ChannelId.BLOCK_SYNC, b"f") for _ in range(cap))
    assert not queues.push(ChannelId.BLOCK_SYNC, b"f")


def test_body_round_trip_and_caps() -> None:
    assert unpack_body(pack_body([1, b"x", {"k": "v"}])) == [1, b"x", {"k": "v"}]
    with pytest.raises(DecodeError):
        unpack_body(pack_body(b"x" * 100), BodyLimits(max_bin_len=99))
    with pytest.raises(DecodeError):
        unpack_body(pack_body(list(range(100))), BodyLimits(max_array_len=99))
    for garbage in (b"", b"\xc1", b"\x92\x01", pack_body(1) + b"\x00"):
        with pytest.raises(DecodeError):
            unpack_body(garbage)


headers = st.builds(
    lambda n, c, r: struct.pack(">IBI", n, c, r),
    st.integers(0, 80) | st.integers(0, 2**32 - 1), st.sampled_from([0x30, 0x20]),
    st.integers(0, 2**32 - 1),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=64) | headers, max_size=20))
def test_fuzz_frame_decoder_raises_only_decode_error(pieces: list[bytes]) -> None:
    decoder = FrameDecoder(TXS)
    with contextlib.suppress(DecodeError):
        for piece in pieces:
            for frame in decoder.feed(piece):
                assert len(frame.body) <= TXS.max_body_bytes


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=40) | st.builds(
    lambda c, b: bytes([c]) + b, st.sampled_from([0x00, 0x20, 0x30, 0x40]), st.binary(max_size=40)
), max_size=20))  # fmt: skip
def test_fuzz_packet_decoder_raises_only_decode_error(packets: list[bytes]) -> None:
    decoder = PacketDecoder(DEFAULT_CHANNELS)
    with contextlib.suppress(DecodeError):
        for packet in packets:
            decoder.feed(packet)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_unpack_body_raises_only_decode_error(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        unpack_body(
            data, BodyLimits(max_bin_len=64, max_array_len=8, max_map_len=8, max_str_len=64)
        )
