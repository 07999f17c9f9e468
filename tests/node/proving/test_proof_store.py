"""Proofs and the proven-final height survive a restart through the LMDB block store, are
pruned with their blocks, and a damaged entry is a ``CorruptStoreError``."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.node.proving.test_prover import CONFIG
from zkpov.crypto import snark
from zkpov.node.proving.proof_store import PROOF_PREFIX, ProofStore
from zkpov.node.proving.prover import ProofTracker
from zkpov.storage.block_store import WriteBatch
from zkpov.storage.lmdb_store import CorruptStoreError, LmdbBlockStore

KEYS = snark.insecure_setup(CONFIG, b"proof-store-test")
CHAIN = {h: SimpleNamespace(payload=b"transfers") for h in range(1, 6)}  # heights 1..5


def proof(height: int) -> bytes:
    return hashlib.sha512(b"%d" % height).digest() * 3  # 192 bytes, as a Groth16 proof


def tracker(store: LmdbBlockStore, finals: list[int] | None = None) -> ProofTracker:
    sink = finals if finals is not None else []
    return ProofTracker(
        *KEYS, CHAIN.get, lambda a: None, sink.append, carried_only=True,  # type: ignore[arg-type]
        store=ProofStore(store),
    )  # fmt: skip


def test_a_restarted_tracker_reports_the_same_proven_final_height(tmp_path: Path) -> None:
    with LmdbBlockStore(tmp_path / "db") as store:
        before = tracker(store)
        before.record_carried(1, proof(1))
        before.record_carried(2, proof(2))
        before._record(4, proof(4))  # verified from gossip, not yet carried: does not settle
        assert before.proven_final_height == 2
    finals: list[int] = []
    with LmdbBlockStore(tmp_path / "db") as store:
        after = tracker(store, finals)
        assert after.proven_final_height == 0
        after.restore(chain_height=5)
        assert after.proven_final_height == 2 and finals == [2]
        assert after.proofs == {1: proof(1), 2: proof(2), 4: proof(4)}
        assert after.settled == {1, 2}
        after.record_carried(3, proof(3))
        after.record_carried(4, proof(4))
        assert after.proven_final_height == 4
    with LmdbBlockStore(tmp_path / "db") as store:
        again = tracker(store)
        again.restore(chain_height=5)
        assert again.proven_final_height == 4


def test_without_a_store_nothing_is_restored(tmp_path: Path) -> None:
    t = ProofTracker(*KEYS, CHAIN.get, lambda a: None, lambda h: None)  # type: ignore[arg-type]
    t.restore(chain_height=5)
    assert t.proven_final_height == 0 and t.proofs == {}


def test_stored_proofs_are_pruned_with_their_blocks(tmp_path: Path) -> None:
    ids = [hashlib.sha256(b"block%d" % height).digest() for height in range(11)]
    with LmdbBlockStore(tmp_path / "db") as store:
        for height, block_id in enumerate(ids):
            store.write(WriteBatch().put_block(block_id, b"b").commit(height, block_id))
        proofs = ProofStore(store)
        for height in range(1, 11):
            proofs.save_proof(height, proof(height), settled=True)
        floor = store.prune(keep_last=4).floor
        kept = sorted(proofs.load().proofs)
        assert floor > 1 and kept == list(range(floor, 11))
        assert [store.get_block(ids[h]) is not None for h in range(1, 11)] == [
            h in kept for h in range(1, 11)
        ]


def test_the_tracker_forgets_the_proofs_of_pruned_blocks(tmp_path: Path) -> None:
    base = [0]
    t = ProofTracker(
        *KEYS, CHAIN.get, lambda a: None, lambda h: None,  # type: ignore[arg-type]
        get_base=lambda: base[0],
    )  # fmt: skip
    for height in range(1, 6):
        t.record_carried(height, proof(height))
    t.on_commit(5)
    assert sorted(t.proofs) == [1, 2, 3, 4, 5]
    base[0] = 3  # the chain pruned the bodies below height 3
    t.on_commit(5)
    assert sorted(t.proofs) == [3, 4, 5] and t.settled == {3, 4, 5}
    assert t.proven_final_height == 5


def test_a_proven_final_height_above_the_chain_is_corrupt(tmp_path: Path) -> None:
    with LmdbBlockStore(tmp_path / "db") as store:
        ProofStore(store).save_proven_final(9)
        with pytest.raises(CorruptStoreError, match="reach height 9"):
            tracker(store).restore(chain_height=5)


@pytest.mark.parametrize("value", [b"", b"\x01" + bytes(10), b"\x02" + proof(1)])
def test_a_malformed_stored_proof_is_corrupt(tmp_path: Path, value: bytes) -> None:
    with LmdbBlockStore(tmp_path / "db") as store:
        store.write(WriteBatch().put_state(PROOF_PREFIX + (1).to_bytes(8, "big"), value))
        with pytest.raises(CorruptStoreError, match="malformed"):
            ProofStore(store).load()
