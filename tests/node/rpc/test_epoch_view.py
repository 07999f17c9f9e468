"""zkpov.node.rpc.epoch_view: which epoch a committed height belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from zkpov.chain.containers import ChainState
from zkpov.node.rpc.epoch_view import get_epoch_at
from zkpov.types import Epoch


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
