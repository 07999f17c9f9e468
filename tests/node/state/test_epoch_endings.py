"""zkpov.node.state.epoch_endings: committed endings stored, served as proofs, checked on load."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.consensus.epochs.epoch_net import EpochNet, EpochRouter, drive, make_epoch_net
from zkpov.chain.containers import ChainState
from zkpov.node.state.epoch_endings import ENDING_PREFIX, EpochEndingStore, get_registry_index
from zkpov.storage.block_store import StorageError, WriteBatch
from zkpov.storage.lmdb_store import LmdbBlockStore, StoreConfig
from zkpov.types import Epoch


@pytest.fixture(scope="module")
def net() -> EpochNet:
    net = make_epoch_net(4, pending=1, exiting=(0,))  # registry 0 leaves, 4 joins
    drive(net, EpochRouter(net), until=0.06)
    assert len(net.managers[0].endings) >= 3
    return net


def test_endings_survive_a_reopen_and_are_served_in_order(net: EpochNet, tmp_path: Path) -> None:
    endings = net.managers[0].endings
    store = LmdbBlockStore(tmp_path / "db", StoreConfig())
    for ending in endings:
        EpochEndingStore(store).put(ending)
    EpochEndingStore(store).put(endings[0])  # a rewrite changes nothing
    store.close()
    again = EpochEndingStore(LmdbBlockStore(tmp_path / "db", StoreConfig()))
    assert again.load() == list(endings)
    proof = again.get_epoch_change_proof(1)
    assert proof is not None and proof.endings == tuple(endings[1:])
    assert again.get_epoch_change_proof(len(endings)) is None
    assert again.get(-1) is None and again.get(2**64) is None
    again.store.close()


def test_a_damaged_ending_is_a_storage_error(net: EpochNet, tmp_path: Path) -> None:
    store = LmdbBlockStore(tmp_path / "db", StoreConfig())
    store.write(WriteBatch().put_state(ENDING_PREFIX + bytes(8), b"\x93\x01"))
    with pytest.raises(StorageError, match="does not decode"):
        EpochEndingStore(store).load()
    store.close()


def test_consensus_indices_map_to_registry_indices_per_epoch(net: EpochNet, tmp_path: Path) -> None:
    """After validator 0 left and 4 joined, consensus index 0 is registry 1 (what the prover's
    turn order needs); epoch 0 maps to itself; the current epoch reads the ledger."""
    endings = net.managers[0].endings
    store = EpochEndingStore(LmdbBlockStore(tmp_path / "db", StoreConfig()))
    for ending in endings:
        store.put(ending)
    first = endings[0].next_set.members
    assert 0 not in first and 4 in first
    ledger = ChainState(epoch=Epoch(len(endings) + 1), active=(4, 2))
    assert store.get_members(1, ledger) == first
    assert get_registry_index(store, ledger, 1, 0) == first[0] != 0
    assert get_registry_index(store, ledger, 0, 3) == 3
    assert get_registry_index(store, ledger, len(endings) + 1, 0) == 4  # the ledger's set
    assert get_registry_index(store, ledger, len(endings) + 5, 2) == 2  # unknown: itself
    store.store.close()
