"""Slashing protection: the last check before a key signs, in SQLite (WAL, synchronous FULL).

Every proposal, vote and timeout a key signs is recorded by ``(pubkey, kind, epoch, round)`` with
its signing root, in the same transaction that checks it, before the signature may leave:

- a second, different signing root for a recorded ``(epoch, round)`` is refused (double sign);
  the same root again is allowed (idempotent re-sign, e.g. after a restart);
- anything at or below the key's low watermark for that kind is refused. Import raises the
  watermark to the highest imported ``(epoch, round)``; :meth:`SlashingDB.prune` raises it too.

The JSON interchange (:mod:`zkpov.storage.slashing_interchange`) moves this history between
machines in the spirit of EIP-3076.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path

from zkpov.constants import BLS_PUBKEY_LENGTH, HASH_LENGTH, UINT64_MAX
from zkpov.errors import ZkpovError
from zkpov.storage.slashing_interchange import (
    Interchange,
    SignedRecord,
    decode_interchange,
    encode_interchange,
)

__all__ = [
    "BelowWatermarkError",
    "DoubleSignError",
    "ImportReport",
    "SignedKind",
    "SlashingDB",
    "SlashingProtectionError",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signed (
    pubkey BLOB NOT NULL, kind INTEGER NOT NULL, epoch INTEGER NOT NULL, round INTEGER NOT NULL,
    signing_root BLOB NOT NULL, PRIMARY KEY (pubkey, kind, epoch, round));
CREATE TABLE IF NOT EXISTS watermarks (
    pubkey BLOB NOT NULL, kind INTEGER NOT NULL, epoch INTEGER NOT NULL, round INTEGER NOT NULL,
    PRIMARY KEY (pubkey, kind));
"""


class SignedKind(IntEnum):
    PROPOSAL = 0
    VOTE = 1
    TIMEOUT = 2


class SlashingProtectionError(ZkpovError):
    """Signing this message could get the key slashed; it must not be signed."""


class DoubleSignError(SlashingProtectionError):
    """A different message was already signed for this (epoch, round)."""


class BelowWatermarkError(SlashingProtectionError):
    """The (epoch, round) is at or below the key's low watermark."""


ImportReport = tuple[int, int]  # (records added, keys whose watermark rose)
Row = tuple[bytes, int, int, int, bytes]


class SlashingDB:
    """Slashing-protection database in one SQLite file (created with mode 0600)."""

    def __init__(self, path: str | os.PathLike[str], genesis_root: bytes) -> None:
        self.path = Path(path)
        self.genesis_root = _check_bytes(genesis_root, HASH_LENGTH, "genesis root")
        self._lock = threading.Lock()
        self._conn = _connect(self.path)
        self._check_genesis()

    def check_and_record_proposal(self, pubkey: bytes, epoch: int, round: int, root: bytes) -> None:
        self.check_and_record(SignedKind.PROPOSAL, pubkey, epoch, round, root)

    def check_and_record_vote(self, pubkey: bytes, epoch: int, round: int, root: bytes) -> None:
        self.check_and_record(SignedKind.VOTE, pubkey, epoch, round, root)

    def check_and_record_timeout(self, pubkey: bytes, epoch: int, round: int, root: bytes) -> None:
        self.check_and_record(SignedKind.TIMEOUT, pubkey, epoch, round, root)

    def check_and_record(
        self, kind: SignedKind, pubkey: bytes, epoch: int, round: int, root: bytes
    ) -> None:
        """Refuse (``SlashingProtectionError``) or durably record before returning."""
        record = _check_record(pubkey, epoch, round, root)
        if kind not in SignedKind.__members__.values():
            raise SlashingProtectionError(f"unknown message kind {kind!r}")
        with self._transaction() as cur:
            _process_record(cur, SignedKind(kind), pubkey, record)

    def get_low_watermark(self, pubkey: bytes, kind: SignedKind) -> tuple[int, int] | None:
        with self._transaction() as cur:
            return _get_watermark(cur, pubkey, kind)

    def get_records(self, pubkey: bytes, kind: SignedKind) -> list[SignedRecord]:
        with self._transaction() as cur:
            rows = cur.execute(
                "SELECT epoch, round, signing_root FROM signed WHERE pubkey=? AND kind=? "
                "ORDER BY epoch, round", (pubkey, int(kind)),
            ).fetchall()  # fmt: skip
        return [SignedRecord(_py_int(e), _py_int(r), bytes(s)) for e, r, s in rows]

    def prune(self, pubkey: bytes, kind: SignedKind, epoch: int, round: int) -> None:
        """Forget records at or below ``(epoch, round)``; the watermark rises to it."""
        _check_record(pubkey, epoch, round, bytes(HASH_LENGTH))
        with self._transaction() as cur:
            cur.execute(
                "DELETE FROM signed WHERE pubkey=? AND kind=? "
                "AND (epoch<? OR (epoch=? AND round<=?))",
                (pubkey, int(kind), _sql_int(epoch), _sql_int(epoch), _sql_int(round)),
            )
            _process_watermark(cur, pubkey, kind, (epoch, round))

    def export_interchange(self) -> str:
        """The whole history as interchange JSON."""
        with self._transaction() as cur:
            rows = cur.execute("SELECT pubkey, kind, epoch, round, signing_root FROM signed")
            data = _group_rows(rows.fetchall())
        return encode_interchange(Interchange(self.genesis_root, data))

    def import_interchange(self, text: str | bytes) -> ImportReport:
        """Merge interchange JSON (``DecodeError`` if malformed or for another chain)."""
        interchange = decode_interchange(text, self.genesis_root)
        with self._transaction() as cur:
            return _process_import(cur, interchange)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SlashingDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def _check_genesis(self) -> None:
        with self._transaction() as cur:
            row = cur.execute("SELECT value FROM meta WHERE key='genesis_root'").fetchone()
            if row is None:
                cur.execute("INSERT INTO meta VALUES ('genesis_root', ?)", (self.genesis_root,))
            elif bytes(row[0]) != self.genesis_root:
                raise SlashingProtectionError(f"{self.path} belongs to another chain's genesis")


def _connect(path: Path) -> sqlite3.Connection:
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(_SCHEMA)
    return conn


def _check_record(pubkey: bytes, epoch: int, round: int, root: bytes) -> SignedRecord:
    _check_bytes(pubkey, BLS_PUBKEY_LENGTH, "pubkey")
    _check_bytes(root, HASH_LENGTH, "signing root")
    for name, value in (("epoch", epoch), ("round", round)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= UINT64_MAX:
            raise SlashingProtectionError(f"{name} must be a uint64, got {value!r}")
    return SignedRecord(epoch, round, root)


def _check_bytes(value: bytes, length: int, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != length:
        raise SlashingProtectionError(f"{what} must be {length} bytes")
    return value


def _process_record(
    cur: sqlite3.Cursor, kind: SignedKind, pubkey: bytes, record: SignedRecord
) -> None:
    epoch, round, root = record.epoch, record.round, record.signing_root
    row = cur.execute(
        "SELECT signing_root FROM signed WHERE pubkey=? AND kind=? AND epoch=? AND round=?",
        (pubkey, int(kind), _sql_int(epoch), _sql_int(round)),
    ).fetchone()
    if row is not None:
        if bytes(row[0]) != root:
            raise DoubleSignError(f"{kind.name.lower()} at epoch {epoch} round {round} differs")
        return
    mark = _get_watermark(cur, pubkey, kind)
    if mark is not None and (epoch, round) <= mark:
        raise BelowWatermarkError(f"{kind.name.lower()} at {(epoch, round)} <= watermark {mark}")
    _insert(cur, pubkey, kind, record)


def _insert(cur: sqlite3.Cursor, pubkey: bytes, kind: SignedKind, rec: SignedRecord) -> bool:
    cur.execute(
        "INSERT OR IGNORE INTO signed VALUES (?, ?, ?, ?, ?)",
        (pubkey, int(kind), _sql_int(rec.epoch), _sql_int(rec.round), rec.signing_root),
    )
    return cur.rowcount == 1


def _get_watermark(cur: sqlite3.Cursor, pubkey: bytes, kind: SignedKind) -> tuple[int, int] | None:
    row = cur.execute(
        "SELECT epoch, round FROM watermarks WHERE pubkey=? AND kind=?", (pubkey, int(kind))
    ).fetchone()
    return None if row is None else (_py_int(row[0]), _py_int(row[1]))


def _process_watermark(
    cur: sqlite3.Cursor, pubkey: bytes, kind: SignedKind, mark: tuple[int, int]
) -> bool:
    current = _get_watermark(cur, pubkey, kind)
    if current is not None and current >= mark:
        return False
    cur.execute(
        "INSERT OR REPLACE INTO watermarks VALUES (?, ?, ?, ?)",
        (pubkey, int(kind), _sql_int(mark[0]), _sql_int(mark[1])),
    )
    return True


def _process_import(cur: sqlite3.Cursor, interchange: Interchange) -> ImportReport:
    added = raised = 0
    for (pubkey, kind), records in interchange.data.items():
        added += sum(_insert(cur, pubkey, SignedKind(kind), rec) for rec in records)
        top = max((rec.epoch, rec.round) for rec in records)
        raised += _process_watermark(cur, pubkey, SignedKind(kind), top)
    return added, raised


def _group_rows(rows: list[Row]) -> dict[tuple[bytes, int], list[SignedRecord]]:
    data: dict[tuple[bytes, int], list[SignedRecord]] = {}
    for pubkey, kind, epoch, round, root in sorted(rows):
        record = SignedRecord(_py_int(epoch), _py_int(round), bytes(root))
        data.setdefault((bytes(pubkey), kind), []).append(record)
    return data


def _sql_int(value: int) -> int:
    """SQLite integers are signed 64-bit; uint64 values are stored shifted by -2**63."""
    return value - (1 << 63)


def _py_int(value: int) -> int:
    return value + (1 << 63)
