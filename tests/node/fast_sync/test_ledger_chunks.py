"""zkpov.node.fast_sync.ledger_chunks: a ledger cut into 1 MiB chunks reassembles to the
header's staking root; every lie about counts, sizes, indices or content is refused, the caps
before any hex is read."""

from __future__ import annotations

import json

import pytest

from zkpov.chain.containers import ChainState
from zkpov.chain.ledger_codec import encode_chain_state
from zkpov.chain.ledger_root import compute_encoding_root, compute_staking_root
from zkpov.chain.transition import compute_genesis_state
from zkpov.errors import FastSyncAnswerError, FastSyncLedgerError
from zkpov.node.fast_sync.ledger_chunks import (
    LEDGER_CHUNK_BYTES,
    MAX_LEDGER_CHUNKS,
    LedgerChunk,
    build_ledger_chunk,
    decode_ledger_chunk,
    encode_ledger_chunk,
    fetch_ledger,
)
from zkpov.types import BLSPubkey

HEIGHT = 7


def make_ledger(validators: int) -> ChainState:
    keys = [BLSPubkey(i.to_bytes(48, "big")) for i in range(validators)]
    state = compute_genesis_state(keys, [10**12] * validators, [bytes(k) for k in keys], bytes(32))
    state.height = HEIGHT
    return state


def serve(encoding: bytes) -> dict[int, LedgerChunk]:
    """Every chunk of ``encoding``, after a JSON round trip."""
    chunks: dict[int, LedgerChunk] = {}
    index = 0
    while (chunk := build_ledger_chunk(HEIGHT, encoding, index)) is not None:
        chunks[index] = decode_ledger_chunk(json.loads(json.dumps(encode_ledger_chunk(chunk))))
        index += 1
    return chunks


def test_a_ledger_over_several_chunks_reassembles_to_its_root() -> None:
    ledger = make_ledger(12_000)  # about 1.3 MiB encoded: two chunks
    encoding = encode_chain_state(ledger)
    chunks = serve(encoding)
    assert len(chunks) == 2 == chunks[0].count and len(chunks[0].data) == LEDGER_CHUNK_BYTES
    got = fetch_ledger(chunks.__getitem__, HEIGHT, compute_staking_root(ledger))
    assert got == encoding


def test_a_ledger_that_is_not_the_headers_root_or_height_is_refused() -> None:
    ledger = make_ledger(4)
    chunks = serve(encode_chain_state(ledger))
    with pytest.raises(FastSyncLedgerError, match="not the header's root"):
        fetch_ledger(chunks.__getitem__, HEIGHT, bytes(32))
    ledger.height = HEIGHT + 1
    chunks = serve(encode_chain_state(ledger))
    with pytest.raises(FastSyncLedgerError, match="not 7"):
        fetch_ledger(chunks.__getitem__, HEIGHT, compute_staking_root(ledger))


def test_garbage_with_the_right_root_is_refused_at_decoding() -> None:
    garbage = b"\x01" * 10
    chunks = serve(garbage)
    with pytest.raises(FastSyncLedgerError, match="does not decode"):
        fetch_ledger(chunks.__getitem__, HEIGHT, compute_encoding_root(garbage))


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"index": 1}, "not the one asked for"),
        ({"height": HEIGHT + 1}, "not the one asked for"),
        ({"data": "00"}, "not the one asked for"),
        ({"count": MAX_LEDGER_CHUNKS + 1}, "over the cap"),
        ({"count": 0}, "over the cap"),
        ({"total_bytes": 2 * LEDGER_CHUNK_BYTES}, "over the cap"),
        ({"data": "zz"}, "not lowercase hex"),
        ({"extra": 1}, "exactly"),
    ],
)
def test_a_lying_chunk_is_refused(change: dict[str, object], why: str) -> None:
    ledger = make_ledger(4)
    doc = encode_ledger_chunk(serve(encode_chain_state(ledger))[0])
    doc.update(change)

    def get_chunk(index: int) -> LedgerChunk:
        return decode_ledger_chunk(json.loads(json.dumps(doc)))

    with pytest.raises(FastSyncAnswerError, match=why):
        fetch_ledger(get_chunk, HEIGHT, compute_staking_root(ledger))
