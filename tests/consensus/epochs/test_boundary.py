"""Where an epoch ends and what its ending blocks may carry, from headers alone."""

from __future__ import annotations

import dataclasses

import pytest

from zkpov.consensus.epochs.boundary import EpochWindow, check_epoch_block, make_epoch_root_qc
from zkpov.spec.messages import Block, QuorumCert, VoteData
from zkpov.spec.payload import InvalidBlock
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

WINDOW = EpochWindow(Epoch(2), Height(40), 10)
ZERO = BlockId(bytes(32))


def block(height: int, **fields: object) -> Block:
    qc = QuorumCert(VoteData(Epoch(2), Round(height - 1), ZERO, Round(0), ZERO), b"", b"")
    base = Block(
        Epoch(2), Round(height), Height(height), ZERO, ValidatorIndex(0), Root(bytes(32)), qc
    )
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def test_the_reconfiguration_block_is_epoch_length_blocks_after_the_root() -> None:
    assert WINDOW.reconfiguration_height == 50
    assert WINDOW.is_reconfiguration(block(50))
    assert not WINDOW.is_reconfiguration(dataclasses.replace(block(50), epoch=Epoch(3)))
    assert [WINDOW.is_suffix(block(h)) for h in (49, 50, 51)] == [False, False, True]


def test_only_the_reconfiguration_block_names_a_next_set() -> None:
    named = {"next_validator_set_commitment": b"\x07" * 32}
    check_epoch_block(block(50, **named), block(49), WINDOW)
    with pytest.raises(InvalidBlock, match="before the epoch end"):
        check_epoch_block(block(49, **named), block(48), WINDOW)
    with pytest.raises(InvalidBlock, match="before the epoch end"):
        check_epoch_block(block(51, **named), block(50), WINDOW)


@pytest.mark.parametrize(
    "body",
    [{"payload": b"x"}, {"proof": b"p"}, {"evidence": (b"e",)}, {"state_root": b"\x01" * 32}],
)
def test_suffix_blocks_carry_nothing(body: dict[str, object]) -> None:
    check_epoch_block(block(51), block(50), WINDOW)
    with pytest.raises(InvalidBlock, match="after the epoch end"):
        check_epoch_block(block(51, **body), block(50), WINDOW)


def test_the_next_epoch_root_qc_keeps_the_root_round() -> None:
    root = block(50)
    qc = make_epoch_root_qc(root, Epoch(3), 4)
    assert qc.vote_data == VoteData(Epoch(3), root.round, root.id, root.round, root.id)
    assert qc.signature == b""
