"""The JSON of ``/v1/fast_sync/history`` (:mod:`.history`), both ways.

A page is ``{"height", "start", "entries": [{"header", "evidence": [...]}, ...]}``: each header
as hex of its msgpack encoding (:func:`~zkpov.spec.codec.evidence.encode_header`), each
evidence item as hex of the bytes its block carries. Decoding is strict and cheap checks come
first: exact keys, 1 to ``MAX_PAGE_ENTRIES`` entries of at most ``MAX_EVIDENCE_PER_PROPOSAL``
items, and the hex lengths (headers at most ``MAX_HEADER_BYTES``, items ``MAX_EVIDENCE_BYTES``,
the page ``PAGE_BYTES``) before any hex is read or any header decoded.
"""

from __future__ import annotations

from typing import Any

from zkpov.consensus.evidence_check import MAX_EVIDENCE_BYTES
from zkpov.consensus.evidence_pool import MAX_EVIDENCE_PER_PROPOSAL
from zkpov.errors import DecodeError, FastSyncAnswerError
from zkpov.node.fast_sync.history import MAX_PAGE_ENTRIES, PAGE_BYTES, HistoryEntry, HistoryPage
from zkpov.node.fast_sync.wire import check_keys, read_hex, read_uint
from zkpov.spec.codec.evidence import decode_header, encode_header

__all__ = ["MAX_HEADER_BYTES", "decode_history_page", "encode_history_page"]

MAX_HEADER_BYTES = 1024  # an encoded header is about 420 bytes
_KEYS = {"height", "start", "entries"}
_ENTRY_KEYS = {"header", "evidence"}


def encode_history_page(page: HistoryPage) -> dict[str, Any]:
    entries = [
        {"header": encode_header(e.header).hex(), "evidence": [x.hex() for x in e.evidence]}
        for e in page.entries
    ]
    return {"height": page.height, "start": page.start, "entries": entries}


def decode_history_page(doc: Any) -> HistoryPage:
    """Strict, caps first (not yet checked against the checkpoint: :mod:`.history`)."""
    check_keys(doc, _KEYS, "history page")
    items = doc["entries"]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_PAGE_ENTRIES:
        raise FastSyncAnswerError(f"a history page holds 1 to {MAX_PAGE_ENTRIES} entries")
    if sum(_get_hex_length(item) for item in items) > 2 * PAGE_BYTES:
        raise FastSyncAnswerError(f"a history page is over {PAGE_BYTES} bytes")
    entries = tuple(_decode_entry(item) for item in items)
    height, start = read_uint(doc["height"], "height"), read_uint(doc["start"], "start")
    return HistoryPage(height, start, entries)


def _get_hex_length(item: Any) -> int:
    check_keys(item, _ENTRY_KEYS, "history entry")
    evidence = item["evidence"]
    if not isinstance(evidence, list) or len(evidence) > MAX_EVIDENCE_PER_PROPOSAL:
        raise FastSyncAnswerError(f"a block has at most {MAX_EVIDENCE_PER_PROPOSAL} evidence items")
    texts = [item["header"], *evidence]
    if not all(isinstance(text, str) for text in texts):
        raise FastSyncAnswerError("history headers and evidence must be hex strings")
    return sum(map(len, texts))


def _decode_entry(item: Any) -> HistoryEntry:
    evidence = tuple(read_hex(x, MAX_EVIDENCE_BYTES, "evidence") for x in item["evidence"])
    try:
        header = decode_header(read_hex(item["header"], MAX_HEADER_BYTES, "header"))
    except DecodeError as err:
        raise FastSyncAnswerError(f"a history header that does not decode: {err}") from err
    return HistoryEntry(header, evidence)
