"""``check_header_chain``: headers linked by parent id and height, each later than its parent."""

from __future__ import annotations

import dataclasses

import pytest

from zkpov.errors import LightClientError
from zkpov.light.verify import check_header_chain
from zkpov.spec.messages import BlockHeader
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex


def _child(parent: BlockHeader, timestamp_ms: int) -> BlockHeader:
    return dataclasses.replace(
        parent, round=Round(parent.round + 1), height=Height(parent.height + 1),
        parent_id=parent.id, timestamp_ms=timestamp_ms,
    )  # fmt: skip


GENESIS = BlockHeader(
    Epoch(0), Round(0), Height(0), BlockId(bytes(32)), ValidatorIndex(0), Root(bytes(32)),
    bytes(32), bytes(32), bytes(32), bytes(32), bytes(32), 0, bytes([7]) * 32, b"",
)  # fmt: skip


def test_a_chain_of_later_headers_passes() -> None:
    first = _child(GENESIS, 1_000)
    check_header_chain([GENESIS, first, _child(first, 1_001)])


@pytest.mark.parametrize("stamp", [1_000, 999])
def test_a_header_not_later_than_its_parent_is_refused(stamp: int) -> None:
    first = _child(GENESIS, 1_000)
    with pytest.raises(LightClientError, match="not later"):
        check_header_chain([GENESIS, first, _child(first, stamp)])


def test_an_unlinked_header_is_refused() -> None:
    first = _child(GENESIS, 1_000)
    stray = dataclasses.replace(_child(first, 2_000), parent_id=BlockId(bytes([1]) * 32))
    with pytest.raises(LightClientError, match="does not extend"):
        check_header_chain([GENESIS, first, stray])
