"""Slashing protection: the last check before a key signs, in SQLite (WAL, synchronous FULL).

Every proposal, vote and timeout a key signs is recorded by ``(pubkey, kind, epoch, round)`` with
its signing root, in the same transaction that checks it, before the signature may leave:

- a second, different signing root for a recorded ``(epoch, round)`` is refused (double sign);
  the same root again is allowed (idempotent re-sign, e.g. after a restart);
- anything at or below the key's low watermark for that kind is refused. Import raises the
  watermark to the highest imported ``(epoch, round)``; :meth:`SlashingDB.prune` raises it too.

The JSON interchange (:mod:`zkpov.storage.slashing_interchange`) moves this history between
machines in the spirit of EIP-3076. A node opens the file with ``create=False``: it must exist,
pass SQLite's ``quick_check`` and belong to the genesis; :meth:`SlashingDB.reserve` and the start
checks that use it live in :mod:`zkpov.storage.slashing_coverage`; the SQL in
:mod:`zkpov.storage.slashing_rows`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from zkpov.constants import BLS_PUBKEY_LENGTH, HASH_LENGTH, UINT64_MAX
from zkpov.errors import StoreFaultError, ZkpovError
from zkpov.storage.slashing_interchange import (
    Interchange,
    SignedRecord,
    decode_interchange,
    encode_interchange,
)
from zkpov.storage.slashing_rows import (
    SCHEMA,
    ImportReport,
    Mark,
    SignedKind,
    from_sql_int,
    get_highest_round,
    get_reservation,
    get_watermark,
    group_rows,
    insert_record,
    process_import,
    process_reservation,
    process_watermark,
    to_sql_int,
)

__all__ = [
    "BelowWatermarkError",
    "CorruptSlashingDBError",
    "DoubleSignError",
    "ImportReport",
    "SignedKind",
    "SlashingDB",
    "SlashingProtectionError",
]


class SlashingProtectionError(ZkpovError):
    """Signing this message could get the key slashed; it must not be signed."""


class DoubleSignError(SlashingProtectionError):
    """A different message was already signed for this (epoch, round)."""


class BelowWatermarkError(SlashingProtectionError):
    """The (epoch, round) is at or below the key's low watermark."""


class CorruptSlashingDBError(StoreFaultError):
    """The slashing-protection file is not a readable SQLite database, or fails its check."""


class SlashingDB:
    """Slashing-protection database in one SQLite file (created with mode 0600).

    With ``create=False`` the file must exist and already belong to ``genesis_root``
    (``StoreFaultError`` otherwise). A file SQLite cannot read, or one that fails its
    ``quick_check``, raises :class:`CorruptSlashingDBError`."""

    def __init__(
        self, path: str | os.PathLike[str], genesis_root: bytes, *, create: bool = True
    ) -> None:
        self.path = Path(path)
        self.genesis_root = _check_bytes(genesis_root, HASH_LENGTH, "genesis root")
        self._lock = threading.Lock()
        if not create and not self.path.is_file():
            raise StoreFaultError(f"no slashing-protection database at {self.path}")
        try:
            self._conn = _connect(self.path)
        except sqlite3.DatabaseError as exc:
            raise CorruptSlashingDBError(_describe_corrupt(self.path, exc)) from exc
        try:
            self._check_genesis(create)
        except BaseException:
            self._conn.close()
            raise

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

    def get_highest_round(self, pubkey: bytes) -> Mark | None:
        """The highest ``(epoch, round)`` the key signed or is barred at (a watermark); None if
        the database holds no signing history for the key."""
        with self._transaction() as cur:
            return get_highest_round(cur, pubkey)

    def get_reservation(self, pubkey: bytes) -> Mark | None:
        """The highest ``(epoch, round)`` reserved by :meth:`reserve`, if any."""
        with self._transaction() as cur:
            return get_reservation(cur, pubkey)

    def reserve(self, pubkey: bytes, epoch: int, round: int) -> None:
        """Durably notes that the key's safety data is about to allow signing up to
        ``(epoch, round)`` (:mod:`zkpov.storage.slashing_coverage`); never lowers it."""
        _check_record(pubkey, epoch, round, bytes(HASH_LENGTH))
        with self._transaction() as cur:
            process_reservation(cur, pubkey, (epoch, round))

    def get_low_watermark(self, pubkey: bytes, kind: SignedKind) -> tuple[int, int] | None:
        with self._transaction() as cur:
            return get_watermark(cur, pubkey, kind)

    def get_records(self, pubkey: bytes, kind: SignedKind) -> list[SignedRecord]:
        with self._transaction() as cur:
            rows = cur.execute(
                "SELECT epoch, round, signing_root FROM signed WHERE pubkey=? AND kind=? "
                "ORDER BY epoch, round", (pubkey, int(kind)),
            ).fetchall()  # fmt: skip
        return [SignedRecord(from_sql_int(e), from_sql_int(r), bytes(s)) for e, r, s in rows]

    def prune(self, pubkey: bytes, kind: SignedKind, epoch: int, round: int) -> None:
        """Forget records at or below ``(epoch, round)``; the watermark rises to it."""
        _check_record(pubkey, epoch, round, bytes(HASH_LENGTH))
        with self._transaction() as cur:
            cur.execute(
                "DELETE FROM signed WHERE pubkey=? AND kind=? "
                "AND (epoch<? OR (epoch=? AND round<=?))",
                (pubkey, int(kind), to_sql_int(epoch), to_sql_int(epoch), to_sql_int(round)),
            )
            process_watermark(cur, pubkey, kind, (epoch, round))

    def export_interchange(self) -> str:
        """The whole history as interchange JSON."""
        with self._transaction() as cur:
            rows = cur.execute("SELECT pubkey, kind, epoch, round, signing_root FROM signed")
            data = group_rows(rows.fetchall())
        return encode_interchange(Interchange(self.genesis_root, data))

    def import_interchange(self, text: str | bytes) -> ImportReport:
        """Merge interchange JSON (``DecodeError`` if malformed or for another chain)."""
        interchange = decode_interchange(text, self.genesis_root)
        with self._transaction() as cur:
            return process_import(cur, interchange)

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

    def _check_genesis(self, create: bool) -> None:
        try:
            with self._transaction() as cur:
                self._process_genesis(cur, create)
        except sqlite3.DatabaseError as exc:
            raise CorruptSlashingDBError(_describe_corrupt(self.path, exc)) from exc

    def _process_genesis(self, cur: sqlite3.Cursor, create: bool) -> None:
        problems = [row[0] for row in cur.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise CorruptSlashingDBError(_describe_corrupt(self.path, str(problems[0])[:200]))
        row = cur.execute("SELECT value FROM meta WHERE key='genesis_root'").fetchone()
        if row is None and not create:
            raise StoreFaultError(f"{self.path} holds no genesis record (empty or never set up)")
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
    conn.executescript(SCHEMA)
    return conn


def _describe_corrupt(path: Path, problem: object) -> str:
    return f"the slashing-protection database {path} is unreadable or corrupt: {problem}"


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
        (pubkey, int(kind), to_sql_int(epoch), to_sql_int(round)),
    ).fetchone()
    if row is not None:
        if bytes(row[0]) != root:
            raise DoubleSignError(f"{kind.name.lower()} at epoch {epoch} round {round} differs")
        return
    mark = get_watermark(cur, pubkey, kind)
    if mark is not None and (epoch, round) <= mark:
        raise BelowWatermarkError(f"{kind.name.lower()} at {(epoch, round)} <= watermark {mark}")
    insert_record(cur, pubkey, kind, record)
