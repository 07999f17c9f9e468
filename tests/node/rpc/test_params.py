"""Parameter and body parsers: any input gives a value in range or InvalidParamError."""

from __future__ import annotations

import contextlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.node.rpc.params import (
    EVENT_TYPES,
    HASH,
    HEIGHT,
    MAX_HEIGHT,
    MAX_TX_BYTES,
    InvalidParamError,
    parse_tx_body,
)
from zkpov.node.rpc.view import EventKind


@settings(max_examples=300)
@given(st.text(max_size=40) | st.integers().map(str))
def test_height_parser_is_total(text: str) -> None:
    try:
        height = HEIGHT.parse_text(text)
    except InvalidParamError as exc:
        assert str(exc).startswith("height: ")
        return
    assert 0 <= height <= MAX_HEIGHT and str(height) == text.lstrip("0").rjust(1, "0")


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=MAX_HEIGHT))
def test_every_valid_height_parses(height: int) -> None:
    assert HEIGHT.parse_text(str(height)) == height


@settings(max_examples=200)
@given(st.binary(min_size=32, max_size=32), st.booleans(), st.booleans())
def test_hash_parser_round_trips(digest: bytes, prefix: bool, upper: bool) -> None:
    text = digest.hex().upper() if upper else digest.hex()
    assert HASH.parse_text(("0x" if prefix else "") + text) == digest


@settings(max_examples=200)
@given(st.text(max_size=80))
def test_hash_and_types_parsers_are_total(text: str) -> None:
    for param in (HASH, EVENT_TYPES):
        with contextlib.suppress(InvalidParamError):
            param.parse_text(text)


def test_types_parser_accepts_known_names() -> None:
    assert EVENT_TYPES.parse_text("finalized") == frozenset({EventKind.FINALIZED})
    assert EVENT_TYPES.parse_text("new_block,proven_final,new_block") == frozenset(
        {EventKind.NEW_BLOCK, EventKind.PROVEN_FINAL}
    )


@settings(max_examples=300)
@given(st.binary(max_size=200) | st.text(max_size=100).map(str.encode))
def test_tx_body_parser_is_total(body: bytes) -> None:
    try:
        tx = parse_tx_body(body)
    except InvalidParamError:
        return
    assert 1 <= len(tx) <= MAX_TX_BYTES


@settings(max_examples=100)
@given(st.binary(min_size=1, max_size=512))
def test_tx_body_round_trips(tx: bytes) -> None:
    assert parse_tx_body(json.dumps({"tx": tx.hex()}).encode()) == tx
