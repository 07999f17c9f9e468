"""Slashing protection: double and below-watermark signs are refused; interchange round-trips."""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkpov.crypto import bls
from zkpov.errors import DecodeError, StoreFaultError
from zkpov.storage.slashing_db import (
    BelowWatermarkError,
    CorruptSlashingDBError,
    DoubleSignError,
    SignedKind,
    SlashingDB,
    SlashingProtectionError,
)

GENESIS = hashlib.sha256(b"genesis").digest()
PK = bls.sk_to_pk(bls.keygen(b"k" * 32))
PK2 = bls.sk_to_pk(bls.keygen(b"q" * 32))


def root(tag: str) -> bytes:
    return hashlib.sha256(tag.encode()).digest()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SlashingDB]:
    with SlashingDB(tmp_path / "slashing.sqlite", GENESIS) as opened:
        yield opened


def test_file_is_private_and_uses_wal_with_full_sync(tmp_path: Path) -> None:
    path = tmp_path / "slashing.sqlite"
    with SlashingDB(path, GENESIS):
        assert path.stat().st_mode & 0o777 == 0o600
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.close()


def test_same_root_is_idempotent_and_a_different_root_is_refused(db: SlashingDB) -> None:
    db.check_and_record_vote(PK, 1, 5, root("a"))
    db.check_and_record_vote(PK, 1, 5, root("a"))
    with pytest.raises(DoubleSignError):
        db.check_and_record_vote(PK, 1, 5, root("b"))
    assert db.get_records(PK, SignedKind.VOTE) == [(1, 5, root("a"))]


@pytest.mark.parametrize("kind", list(SignedKind))
def test_each_kind_is_protected_separately(db: SlashingDB, kind: SignedKind) -> None:
    db.check_and_record(kind, PK, 0, 3, root("x"))
    with pytest.raises(DoubleSignError):
        db.check_and_record(kind, PK, 0, 3, root("y"))
    other = SignedKind((kind + 1) % 3)
    db.check_and_record(other, PK, 0, 3, root("y"))
    db.check_and_record(kind, PK2, 0, 3, root("y"))


def test_named_helpers_record_their_kind(db: SlashingDB) -> None:
    db.check_and_record_proposal(PK, 0, 1, root("p"))
    db.check_and_record_timeout(PK, 0, 1, root("t"))
    assert db.get_records(PK, SignedKind.PROPOSAL) == [(0, 1, root("p"))]
    assert db.get_records(PK, SignedKind.TIMEOUT) == [(0, 1, root("t"))]


def test_prune_sets_a_watermark_that_refuses_old_rounds(db: SlashingDB) -> None:
    for rnd in range(1, 6):
        db.check_and_record_vote(PK, 2, rnd, root(str(rnd)))
    db.prune(PK, SignedKind.VOTE, 2, 3)
    assert db.get_low_watermark(PK, SignedKind.VOTE) == (2, 3)
    assert [r.round for r in db.get_records(PK, SignedKind.VOTE)] == [4, 5]
    for epoch, rnd in [(2, 3), (2, 1), (1, 99)]:
        with pytest.raises(BelowWatermarkError):
            db.check_and_record_vote(PK, epoch, rnd, root("new"))
    db.check_and_record_vote(PK, 3, 0, root("next epoch"))


def test_records_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with SlashingDB(path, GENESIS) as first:
        first.check_and_record_vote(PK, 0, 9, root("a"))
    with SlashingDB(path, GENESIS) as second, pytest.raises(DoubleSignError):
        second.check_and_record_vote(PK, 0, 9, root("b"))


def test_a_database_of_another_chain_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    SlashingDB(path, GENESIS).close()
    with pytest.raises(SlashingProtectionError, match="another chain"):
        SlashingDB(path, root("other genesis"))


@pytest.mark.parametrize(
    "args",
    [(b"short", 0, 0, bytes(32)), (PK, -1, 0, bytes(32)), (PK, 0, 2**64, bytes(32)),
     (PK, 0, True, bytes(32)), (PK, 0, 0, b"root")],
)  # fmt: skip
def test_bad_arguments_are_refused(db: SlashingDB, args: tuple) -> None:  # type: ignore[type-arg]
    with pytest.raises(SlashingProtectionError):
        db.check_and_record_vote(*args)


def test_uint64_extremes_round_trip(db: SlashingDB) -> None:
    db.check_and_record_vote(PK, 2**64 - 1, 2**64 - 1, root("max"))
    db.check_and_record_vote(PK, 0, 0, root("min"))
    records = db.get_records(PK, SignedKind.VOTE)
    assert [(r.epoch, r.round) for r in records] == [(0, 0), (2**64 - 1, 2**64 - 1)]


def test_export_import_round_trip_merges_and_raises_watermarks(
    db: SlashingDB, tmp_path: Path
) -> None:
    db.check_and_record_vote(PK, 1, 7, root("v7"))
    db.check_and_record_proposal(PK, 1, 7, root("p7"))
    exported = db.export_interchange()
    assert json.loads(exported)["data"][0]["signed_votes"][0]["round"] == "7"
    with SlashingDB(tmp_path / "new.sqlite", GENESIS) as fresh:
        fresh.check_and_record_vote(PK, 1, 3, root("v3"))
        assert fresh.import_interchange(exported) == (2, 2)
        assert fresh.import_interchange(exported) == (0, 0)
        fresh.check_and_record_vote(PK, 1, 7, root("v7"))  # same root: allowed
        with pytest.raises(DoubleSignError):
            fresh.check_and_record_vote(PK, 1, 7, root("other"))
        with pytest.raises(BelowWatermarkError):
            fresh.check_and_record_vote(PK, 1, 5, root("v5"))
        assert fresh.get_low_watermark(PK, SignedKind.VOTE) == (1, 7)


def _document(**changes: object) -> dict:  # type: ignore[type-arg]
    vote = {"epoch": "1", "round": "2", "signing_root": "0x" + "11" * 32}
    entry = {"pubkey": "0x" + PK.hex(), "signed_votes": [vote]}
    metadata = {"interchange_format_version": "1", "genesis_validators_root": "0x" + GENESIS.hex()}
    doc: dict = {"metadata": metadata, "data": [entry]}  # type: ignore[type-arg]
    for path, value in changes.items():
        target = doc
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return doc


@pytest.mark.parametrize(
    "changes",
    [
        {"metadata__interchange_format_version": "2"},
        {"metadata__genesis_validators_root": "0x" + "22" * 32},
        {"data__0__pubkey": "0x" + "00" * 48},
        {"data__0__pubkey": "0x" + "zz" * 48},
        {"data__0__signed_votes": {"not": "a list"}},
        {"data__0__signed_votes__0__round": 2},
        {"data__0__signed_votes__0__round": "-1"},
        {"data__0__signed_votes__0__round": str(2**64)},
        {"data__0__signed_votes__0__signing_root": "0x11"},
        {"data": "nope"},
    ],
)
def test_import_rejects_malformed_documents(db: SlashingDB, changes: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(DecodeError):
        db.import_interchange(json.dumps(_document(**changes)))
    assert db.get_records(PK, SignedKind.VOTE) == []


def test_import_rejects_non_json_and_deep_nesting(db: SlashingDB) -> None:
    for text in [b"\xff\xfe", "{", "[" * 100_000, "null"]:
        with pytest.raises(DecodeError):
            db.import_interchange(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=200)
    | json_values.map(json.dumps)
    | st.builds(
        lambda r, v: json.dumps(_document(data__0__signed_votes__0__round=r, metadata__x=v)),
        st.text(max_size=22),
        json_values,
    )
)
def test_fuzz_import_raises_only_decode_error(db: SlashingDB, data: str | bytes) -> None:
    with contextlib.suppress(DecodeError):  # any other exception fails the test
        db.import_interchange(data)


def test_two_handles_on_one_file_see_each_others_records(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with SlashingDB(path, GENESIS) as first, SlashingDB(path, GENESIS) as second:
        first.check_and_record_vote(PK, 0, 4, root("a"))
        with pytest.raises(DoubleSignError):
            second.check_and_record_vote(PK, 0, 4, root("b"))


_SIGNER = """
import hashlib, sys
from zkpov.storage.slashing_db import SlashingDB
db = SlashingDB(sys.argv[1], bytes.fromhex(sys.argv[2]))
pk = bytes.fromhex(sys.argv[3])
for rnd in range(1, 100000):
    db.check_and_record_vote(pk, 0, rnd, hashlib.sha256(b"%d" % rnd).digest())
    print(rnd, flush=True)  # the vote may leave only now
"""


def test_every_acknowledged_record_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    args = [str(path), GENESIS.hex(), PK.hex()]
    proc = subprocess.Popen(
        [sys.executable, "-c", _SIGNER, *args], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    acknowledged = 0
    while acknowledged < 30:
        acknowledged = int(proc.stdout.readline())
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    with SlashingDB(path, GENESIS) as db:
        for rnd in range(1, acknowledged + 1):
            with pytest.raises(DoubleSignError):
                db.check_and_record_vote(PK, 0, rnd, root("conflicting"))


def test_an_unknown_kind_is_refused(db: SlashingDB) -> None:
    with pytest.raises(SlashingProtectionError, match="kind"):
        db.check_and_record(7, PK, 0, 1, root("x"))  # type: ignore[arg-type]


def test_opening_without_create_refuses_a_missing_file_and_one_never_set_up(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite"
    with pytest.raises(StoreFaultError, match="no slashing-protection database"):
        SlashingDB(path, GENESIS, create=False)
    assert not path.exists()
    path.touch()  # an empty file is an empty SQLite database: no genesis record
    with pytest.raises(StoreFaultError, match="no genesis record"):
        SlashingDB(path, GENESIS, create=False)
    SlashingDB(path, GENESIS).close()
    SlashingDB(path, GENESIS, create=False).close()


def test_garbage_and_truncated_files_are_corrupt_not_sqlite_errors(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database " * 400)
    with pytest.raises(CorruptSlashingDBError, match="unreadable or corrupt"):
        SlashingDB(garbage, GENESIS, create=False)
    path = tmp_path / "s.sqlite"
    with SlashingDB(path, GENESIS) as db:
        for rnd in range(1, 400):
            db.check_and_record_vote(PK, 0, rnd, root(str(rnd)))
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.truncate(size // 2 + 100)  # mid-page, most of the tree gone
    with pytest.raises(CorruptSlashingDBError):
        SlashingDB(path, GENESIS, create=False)


def test_highest_round_spans_kinds_and_watermarks_but_not_reservations(db: SlashingDB) -> None:
    assert db.get_highest_round(PK) is None
    db.check_and_record_vote(PK, 1, 4, root("v"))
    db.check_and_record_timeout(PK, 1, 6, root("t"))
    assert db.get_highest_round(PK) == (1, 6)
    db.prune(PK, SignedKind.PROPOSAL, 1, 9)
    assert db.get_highest_round(PK) == (1, 9)
    db.reserve(PK, 2, 0)
    assert db.get_highest_round(PK) == (1, 9)
    assert db.get_highest_round(PK2) is None


def test_a_reservation_only_rises(db: SlashingDB) -> None:
    assert db.get_reservation(PK) is None
    db.reserve(PK, 0, 7)
    db.reserve(PK, 0, 5)
    assert db.get_reservation(PK) == (0, 7)
    db.reserve(PK, 1, 0)
    assert db.get_reservation(PK) == (1, 0)
