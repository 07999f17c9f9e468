"""The staking ledger of a checkpoint, served and fetched in chunks (``/v1/fast_sync/ledger``).

The ledger's canonical encoding (:func:`~zkpov.chain.ledger_codec.encode_chain_state`) is cut
into chunks of ``LEDGER_CHUNK_BYTES``, at most ``MAX_LEDGER_CHUNKS`` of them. Every answer names
the chunk count and the total length, and the client checks both against the caps and against
chunk 0's before it keeps a byte; the reassembled encoding must hash to the checkpoint header's
``staking_root`` (:func:`~zkpov.chain.ledger_root.compute_encoding_root`) before it is decoded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zkpov.chain.containers import ChainState
from zkpov.chain.ledger_codec import decode_chain_state
from zkpov.chain.ledger_root import compute_encoding_root
from zkpov.errors import DecodeError, FastSyncAnswerError, FastSyncLedgerError
from zkpov.node.fast_sync.wire import check_keys, read_hex, read_uint

__all__ = [
    "LEDGER_CHUNK_BYTES",
    "MAX_LEDGER_CHUNKS",
    "LedgerChunk",
    "build_ledger_chunk",
    "decode_ledger_chunk",
    "encode_ledger_chunk",
    "fetch_ledger",
]

LEDGER_CHUNK_BYTES = 1 << 20
MAX_LEDGER_CHUNKS = 256
_KEYS = {"height", "index", "count", "total_bytes", "data"}


@dataclass(frozen=True)
class LedgerChunk:
    """Bytes ``[index * LEDGER_CHUNK_BYTES, ...)`` of the ledger encoding at ``height``."""

    height: int
    index: int
    count: int
    total_bytes: int
    data: bytes


def build_ledger_chunk(height: int, encoding: bytes, index: int) -> LedgerChunk | None:
    """Chunk ``index`` of ``encoding``; None past the last one."""
    count = max(1, -(-len(encoding) // LEDGER_CHUNK_BYTES))
    if index >= count:
        return None
    data = encoding[index * LEDGER_CHUNK_BYTES : (index + 1) * LEDGER_CHUNK_BYTES]
    return LedgerChunk(height, index, count, len(encoding), data)


def encode_ledger_chunk(chunk: LedgerChunk) -> dict[str, Any]:
    return {
        "height": chunk.height, "index": chunk.index, "count": chunk.count,
        "total_bytes": chunk.total_bytes, "data": chunk.data.hex(),
    }  # fmt: skip


def decode_ledger_chunk(doc: Any) -> LedgerChunk:
    """Strict: every key, integers in range, the count and total within the caps (cheap checks
    before the hex is read)."""
    check_keys(doc, _KEYS, "ledger chunk")
    count, total = read_uint(doc["count"], "count"), read_uint(doc["total_bytes"], "total_bytes")
    if not 1 <= count <= MAX_LEDGER_CHUNKS or total > count * LEDGER_CHUNK_BYTES:
        raise FastSyncAnswerError(f"a ledger of {count} chunks and {total} bytes is over the cap")
    data = read_hex(doc["data"], LEDGER_CHUNK_BYTES, "ledger chunk data")
    height, index = read_uint(doc["height"], "height"), read_uint(doc["index"], "index")
    return LedgerChunk(height, index, count, total, data)


GetLedgerChunk = Callable[[int], LedgerChunk]


def fetch_ledger(get_chunk: GetLedgerChunk, height: int, staking_root: bytes) -> bytes:
    """The ledger's encoding at ``height``, chunk by chunk, checked against ``staking_root``
    and then decoded (a ledger at another height is refused too)."""
    first = _get_checked(get_chunk, 0, height, None)
    parts = [first.data]
    for index in range(1, first.count):
        parts.append(_get_checked(get_chunk, index, height, first).data)
    encoding = b"".join(parts)
    if len(encoding) != first.total_bytes:
        raise FastSyncLedgerError(f"the ledger chunks hold {len(encoding)} bytes, not the total")
    if compute_encoding_root(encoding) != staking_root:
        raise FastSyncLedgerError(f"the ledger served for {height} is not the header's root")
    ledger = _decode(encoding)
    if ledger.height != height:
        raise FastSyncLedgerError(f"the ledger is at height {ledger.height}, not {height}")
    return encoding


def _decode(encoding: bytes) -> ChainState:
    try:
        return decode_chain_state(encoding)
    except DecodeError as err:
        raise FastSyncLedgerError(f"the ledger does not decode: {err}") from err


def _get_checked(
    get_chunk: GetLedgerChunk, index: int, height: int, first: LedgerChunk | None
) -> LedgerChunk:
    """Chunk ``index``: the one asked for, full-sized but for the last, and (after the first)
    naming the same count and total as chunk 0."""
    chunk = get_chunk(index)
    count, total = (
        (chunk.count, chunk.total_bytes) if first is None else (first.count, first.total_bytes)
    )
    size = min(LEDGER_CHUNK_BYTES, total - index * LEDGER_CHUNK_BYTES)
    same = (chunk.height, chunk.index, chunk.count, chunk.total_bytes, len(chunk.data))
    if same != (height, index, count, total, size):
        raise FastSyncAnswerError(f"ledger chunk {index} is not the one asked for")
    return chunk
