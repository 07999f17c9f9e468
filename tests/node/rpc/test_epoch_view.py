"""zkpov.node.rpc.epoch_view: which epoch a committed height belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from zkpov.chain.containers import ChainState
from zkpov.node.rpc.epoch_view import get_epoch_at, is_commit_qc
from zkpov.spec.messages import BlockHeader, QuorumCert, VoteData
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex


@dataclass
class _Block:
    height: int


@dataclass
class _Ending:
    block: _Block


class Endings:
    """Endings of epochs 0..n-1 at heights 10, 20, ... (``missing``: not held)."""

    def __init__(self, count: int, missing: int | None = None) -> None:
        self.count, self.missing, self.asked = count, missing, 0

    def get(self, epoch: int) -> Any:
        self.asked += 1
        ok = 0 <= epoch < self.count and epoch != self.missing
        return _Ending(_Block(10 * (epoch + 1))) if ok else None


def ledger(epoch: int, height: int, in_epoch: int) -> ChainState:
    return ChainState(epoch=Epoch(epoch), height=height, blocks_in_epoch=in_epoch)


@pytest.mark.parametrize(
    ("height", "epoch"), [(1, 0), (10, 0), (11, 1), (20, 1), (21, 2), (30, 2), (31, 3), (34, 3)]
)
def test_each_height_is_in_the_epoch_its_reconfiguration_blocks_bound(
    height: int, epoch: int
) -> None:
    endings = Endings(3)  # epoch 3 began after height 30; the ledger is at 34
    assert get_epoch_at(height, ledger(3, 34, 4), endings) == epoch  # type: ignore[arg-type]
    assert endings.asked <= 2  # a binary search, not a scan


def test_without_epochs_every_height_is_epoch_0_and_no_ending_is_read() -> None:
    assert get_epoch_at(5, ledger(0, 9, 9), None) == 0


def test_a_missing_ending_is_none_not_a_guess() -> None:
    endings = Endings(3, missing=1)
    assert get_epoch_at(5, ledger(3, 34, 4), endings) is None  # type: ignore[arg-type]


def _header(epoch: int, round_: int) -> BlockHeader:
    return BlockHeader(
        Epoch(epoch), Round(round_), Height(9), BlockId(bytes(32)), ValidatorIndex(0),
        Root(bytes(32)), b"", b"", b"", b"", b"", 1, bytes(32), b"",
    )  # fmt: skip


def _qc(header: BlockHeader, epoch: int, round_: int, parent_round: int) -> QuorumCert:
    data = VoteData(Epoch(epoch), Round(round_), BlockId(b"c" * 32), Round(parent_round), header.id)
    return QuorumCert(data, b"\x01", b"")


def test_a_commit_qc_is_of_the_header_epoch_one_round_later() -> None:
    """The next epoch's root QC on an epoch's last block repeats its round: it commits nothing
    (``/commit`` served it as the commit certificate of the block before)."""
    header = _header(59, 387)
    assert is_commit_qc(_qc(header, 59, 388, 387), header, b"c" * 32)
    assert not is_commit_qc(_qc(header, 59, 388, 387), header, b"d" * 32)  # another child
    assert not is_commit_qc(_qc(header, 60, 388, 387), header, b"c" * 32)  # the next epoch's
    assert not is_commit_qc(_qc(header, 59, 388, 388), header, b"c" * 32)  # a root QC's rounds
    assert not is_commit_qc(_qc(header, 59, 389, 387), header, b"c" * 32)  # not consecutive
