"""A history page's JSON: it round-trips, and counts and sizes are refused before any hex is
read or any header decoded (garbage past a cap is never looked at)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.signed_chain import make_chain
from zkpov.consensus.evidence_check import MAX_EVIDENCE_BYTES
from zkpov.consensus.evidence_pool import MAX_EVIDENCE_PER_PROPOSAL
from zkpov.errors import FastSyncAnswerError
from zkpov.node.fast_sync.history import MAX_PAGE_ENTRIES, PAGE_BYTES, HistoryEntry, HistoryPage
from zkpov.node.fast_sync.history_wire import (
    MAX_HEADER_BYTES,
    decode_history_page,
    encode_history_page,
)

HEADER = make_chain(2).blocks[2].header


def page_doc(entries: list[Any]) -> dict[str, Any]:
    return {"height": 2, "start": 2, "entries": entries}


def test_a_page_round_trips() -> None:
    page = HistoryPage(2, 2, (HistoryEntry(HEADER, (b"\x01\x02",)), HistoryEntry(HEADER, ())))
    assert decode_history_page(encode_history_page(page)) == page


GARBAGE = {"header": "zz", "evidence": []}  # would fail to decode, if it were read


@pytest.mark.parametrize(
    ("entries", "why"),
    [
        ([], "1 to 128 entries"),
        ([GARBAGE] * (MAX_PAGE_ENTRIES + 1), "1 to 128 entries"),
        (
            [{"header": "zz", "evidence": ["00" * MAX_EVIDENCE_BYTES] * 16}] * 40,
            f"over {PAGE_BYTES} bytes",
        ),  # an oversized answer
        ([{"header": "zz", "evidence": ["zz"] * (MAX_EVIDENCE_PER_PROPOSAL + 1)}], "at most 16"),
        ([{"header": "zz", "evidence": [1]}], "must be hex strings"),
        ([{"header": "zz", "evidence": [], "more": 1}], "history entry must be an object"),
        ([{"header": "00", "evidence": ["00" * (MAX_EVIDENCE_BYTES + 1)]}], "evidence must be hex"),
        ([{"header": "00" * (MAX_HEADER_BYTES + 1), "evidence": []}], "header must be hex"),
        ([GARBAGE], "header is not lowercase hex"),
        ([{"header": "c0", "evidence": []}], "header that does not decode"),
    ],
)
def test_caps_are_checked_before_anything_is_decoded(entries: list[Any], why: str) -> None:
    with pytest.raises(FastSyncAnswerError, match=why):
        decode_history_page(page_doc(entries))


def test_the_page_must_be_an_object_with_exactly_its_keys() -> None:
    with pytest.raises(FastSyncAnswerError, match="history page must be an object"):
        decode_history_page({"height": 2, "entries": []})
