"""The slashing database must cover the safety data and the chain; saving safety data reserves
its round in the database first."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from zkpov.crypto import bls
from zkpov.errors import StoreFaultError
from zkpov.spec.safety_data import SafetyData
from zkpov.storage.memory import MemorySafetyStore
from zkpov.storage.slashing_coverage import (
    ReservingSafetyStore,
    check_slashing_coverage,
    get_safety_mark,
)
from zkpov.storage.slashing_db import SlashingDB
from zkpov.types import Epoch, Round

GENESIS = hashlib.sha256(b"genesis").digest()
PK = bls.sk_to_pk(bls.keygen(b"k" * 32))
ROOT = hashlib.sha256(b"root").digest()


def safety(voted: int = 0, proposed: int = 0, epoch: int = 0) -> SafetyData:
    return SafetyData(
        Epoch(epoch), last_voted_round=Round(voted), last_proposed_round=Round(proposed)
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SlashingDB]:
    with SlashingDB(tmp_path / "slashing.sqlite", GENESIS) as opened:
        yield opened


def test_the_safety_mark_is_the_highest_round_it_allowed_signing_at() -> None:
    assert get_safety_mark(None) is None
    assert get_safety_mark(safety()) is None
    assert get_safety_mark(safety(voted=4, proposed=9, epoch=2)) == (2, 9)


def test_a_fresh_node_passes_with_an_empty_database(db: SlashingDB) -> None:
    check_slashing_coverage(db, PK, None, chain_height=0)
    check_slashing_coverage(db, PK, safety(), chain_height=0)


def test_an_empty_database_is_refused_against_safety_data_or_a_chain(db: SlashingDB) -> None:
    with pytest.raises(StoreFaultError, match="is empty, but the safety data"):
        check_slashing_coverage(db, PK, safety(voted=3), chain_height=0)
    with pytest.raises(StoreFaultError, match="is empty, but the chain has 5 blocks"):
        check_slashing_coverage(db, PK, None, chain_height=5)


def test_a_database_behind_the_safety_data_is_refused(db: SlashingDB) -> None:
    db.check_and_record_vote(PK, 0, 7, ROOT)
    check_slashing_coverage(db, PK, safety(voted=7, proposed=7), chain_height=6)
    with pytest.raises(StoreFaultError, match=r"is behind: it reaches .* \(0, 7\), .* \(0, 8\)"):
        check_slashing_coverage(db, PK, safety(voted=7, proposed=8), chain_height=6)
    with pytest.raises(StoreFaultError, match="is behind"):
        check_slashing_coverage(db, PK, safety(voted=1, epoch=1), chain_height=6)


def test_a_reservation_covers_the_crash_between_safety_data_and_the_signed_record(
    db: SlashingDB,
) -> None:
    db.check_and_record_vote(PK, 0, 7, ROOT)
    store = ReservingSafetyStore(MemorySafetyStore(), db, PK)
    store.save(safety(voted=8))  # the process dies here, before the vote of round 8 is recorded
    assert store.load() == safety(voted=8)
    check_slashing_coverage(db, PK, store.load(), chain_height=6)


def test_a_crash_at_the_very_first_signature_is_no_refusal(db: SlashingDB) -> None:
    store = ReservingSafetyStore(MemorySafetyStore(), db, PK)
    store.save(safety(voted=1))  # dies before the first vote is recorded
    assert db.get_highest_round(PK) is None
    check_slashing_coverage(db, PK, store.load(), chain_height=0)


def test_the_reservation_is_written_before_the_safety_data(db: SlashingDB) -> None:
    class FailingStore(MemorySafetyStore):
        def save(self, data: SafetyData) -> None:
            raise OSError("disk full")

    store = ReservingSafetyStore(FailingStore(), db, PK)
    with pytest.raises(OSError):
        store.save(safety(voted=4))
    assert db.get_reservation(PK) == (0, 4)


def test_a_reservation_is_written_only_when_the_round_rises(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []

    class CountingDB(SlashingDB):
        def reserve(self, pubkey: bytes, epoch: int, round: int) -> None:
            calls.append((epoch, round))
            super().reserve(pubkey, epoch, round)

    with CountingDB(tmp_path / "slashing.sqlite", GENESIS) as db:
        store = ReservingSafetyStore(MemorySafetyStore(), db, PK)
        for data in [safety(), safety(voted=2), safety(voted=2, proposed=1), safety(voted=3)]:
            store.save(data)
    assert calls == [(0, 2), (0, 3)]
