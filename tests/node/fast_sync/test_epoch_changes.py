"""zkpov.node.fast_sync.epoch_changes: the endings a checkpoint carries, read from the node's
store and verified from the genesis set with the consensus epoch-change verification; forged,
malformed or oversized chains are refused before anything is trusted."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.consensus.epochs.epoch_net import EpochNet, make_rotated_net
from zkpov.errors import FastSyncCheckpointError
from zkpov.node.fast_sync.epoch_changes import (
    MAX_ENDING_BYTES,
    MAX_EPOCH_CHANGES,
    collect_epoch_changes,
    verify_epoch_changes,
)
from zkpov.node.state.epoch_endings import EpochEndingStore
from zkpov.spec.codec.epochs import encode_epoch_ending
from zkpov.storage.lmdb_store import LmdbBlockStore
from zkpov.types import Stake


@pytest.fixture(scope="module")
def run() -> EpochNet:
    return make_rotated_net()


def test_the_stored_endings_verify_to_the_last_epochs_set(run: EpochNet, tmp_path: Path) -> None:
    endings = run.managers[0].endings
    with LmdbBlockStore(tmp_path / "blocks") as store:
        stored = EpochEndingStore(store)
        for ending in endings:
            stored.put(ending)
        changes = collect_epoch_changes(stored, len(endings))
        assert collect_epoch_changes(stored, len(endings) + 1) is None  # one is missing
        assert collect_epoch_changes(stored, MAX_EPOCH_CHANGES + 1) is None
    assert changes is not None and len(changes) == len(endings)
    vset, decoded = verify_epoch_changes(changes, run.first.vset)
    assert vset.epoch == len(endings) and decoded == tuple(endings)
    assert vset.commitment == endings[-1].block.next_validator_set_commitment
    assert verify_epoch_changes((), run.first.vset)[0] is run.first.vset  # epoch 0: no change


def test_a_forged_or_reordered_chain_is_refused(run: EpochNet) -> None:
    endings = list(run.managers[0].endings)
    heavier = dataclasses.replace(endings[0].next_set, stakes=(Stake(10**9),) * 4)
    forged = [dataclasses.replace(endings[0], next_set=heavier), *endings[1:]]
    for chain in (forged, endings[1:], [endings[1], endings[0], *endings[2:]]):
        with pytest.raises(FastSyncCheckpointError, match="does not verify"):
            verify_epoch_changes([encode_epoch_ending(e) for e in chain], run.first.vset)


def test_malformed_or_oversized_endings_are_refused_before_decoding(run: EpochNet) -> None:
    vset = run.first.vset
    with pytest.raises(FastSyncCheckpointError, match="does not decode"):
        verify_epoch_changes([b"\x01"], vset)
    with pytest.raises(FastSyncCheckpointError, match="at most"):
        verify_epoch_changes([bytes(MAX_ENDING_BYTES + 1)], vset)
    with pytest.raises(FastSyncCheckpointError, match="at most"):
        verify_epoch_changes([b""] * (MAX_EPOCH_CHANGES + 1), vset)
