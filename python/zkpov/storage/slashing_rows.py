"""The SQL on the slashing-protection tables (:mod:`zkpov.storage.slashing_db` owns the file).

Three tables per key: ``signed`` (every signed message's ``(epoch, round)`` and signing root),
``watermarks`` (at or below it nothing may be signed) and ``reserved`` (the highest round the
key's safety data was about to allow signing at; see :mod:`zkpov.storage.slashing_coverage`).
SQLite integers are signed 64-bit, so uint64 values are stored shifted by ``-2**63``.
"""

from __future__ import annotations

import sqlite3
from enum import IntEnum

from zkpov.storage.slashing_interchange import Interchange, SignedRecord

__all__ = [
    "SCHEMA",
    "ImportReport",
    "SignedKind",
    "from_sql_int",
    "get_highest_round",
    "get_reservation",
    "get_watermark",
    "group_rows",
    "insert_record",
    "process_import",
    "process_reservation",
    "process_watermark",
    "to_sql_int",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signed (
    pubkey BLOB NOT NULL, kind INTEGER NOT NULL, epoch INTEGER NOT NULL, round INTEGER NOT NULL,
    signing_root BLOB NOT NULL, PRIMARY KEY (pubkey, kind, epoch, round));
CREATE TABLE IF NOT EXISTS watermarks (
    pubkey BLOB NOT NULL, kind INTEGER NOT NULL, epoch INTEGER NOT NULL, round INTEGER NOT NULL,
    PRIMARY KEY (pubkey, kind));
CREATE TABLE IF NOT EXISTS reserved (
    pubkey BLOB PRIMARY KEY, epoch INTEGER NOT NULL, round INTEGER NOT NULL);
"""

ImportReport = tuple[int, int]  # (records added, keys whose watermark rose)
Row = tuple[bytes, int, int, int, bytes]
Mark = tuple[int, int]  # (epoch, round)


class SignedKind(IntEnum):
    PROPOSAL = 0
    VOTE = 1
    TIMEOUT = 2


def insert_record(cur: sqlite3.Cursor, pubkey: bytes, kind: SignedKind, rec: SignedRecord) -> bool:
    cur.execute(
        "INSERT OR IGNORE INTO signed VALUES (?, ?, ?, ?, ?)",
        (pubkey, int(kind), to_sql_int(rec.epoch), to_sql_int(rec.round), rec.signing_root),
    )
    return cur.rowcount == 1


def get_watermark(cur: sqlite3.Cursor, pubkey: bytes, kind: SignedKind) -> Mark | None:
    row = cur.execute(
        "SELECT epoch, round FROM watermarks WHERE pubkey=? AND kind=?", (pubkey, int(kind))
    ).fetchone()
    return None if row is None else (from_sql_int(row[0]), from_sql_int(row[1]))


def process_watermark(cur: sqlite3.Cursor, pubkey: bytes, kind: SignedKind, mark: Mark) -> bool:
    current = get_watermark(cur, pubkey, kind)
    if current is not None and current >= mark:
        return False
    cur.execute(
        "INSERT OR REPLACE INTO watermarks VALUES (?, ?, ?, ?)",
        (pubkey, int(kind), to_sql_int(mark[0]), to_sql_int(mark[1])),
    )
    return True


def get_highest_round(cur: sqlite3.Cursor, pubkey: bytes) -> Mark | None:
    """The highest ``(epoch, round)`` the key signed or is barred at (its watermarks)."""
    row = cur.execute(
        "SELECT epoch, round FROM (SELECT epoch, round FROM signed WHERE pubkey=:k "
        "UNION ALL SELECT epoch, round FROM watermarks WHERE pubkey=:k) "
        "ORDER BY epoch DESC, round DESC LIMIT 1",
        {"k": pubkey},
    ).fetchone()
    return None if row is None else (from_sql_int(row[0]), from_sql_int(row[1]))


def get_reservation(cur: sqlite3.Cursor, pubkey: bytes) -> Mark | None:
    row = cur.execute("SELECT epoch, round FROM reserved WHERE pubkey=?", (pubkey,)).fetchone()
    return None if row is None else (from_sql_int(row[0]), from_sql_int(row[1]))


def process_reservation(cur: sqlite3.Cursor, pubkey: bytes, mark: Mark) -> None:
    """Raises the key's reserved ``(epoch, round)`` to ``mark``; never lowers it."""
    current = get_reservation(cur, pubkey)
    if current is not None and current >= mark:
        return
    cur.execute(
        "INSERT OR REPLACE INTO reserved VALUES (?, ?, ?)",
        (pubkey, to_sql_int(mark[0]), to_sql_int(mark[1])),
    )


def process_import(cur: sqlite3.Cursor, interchange: Interchange) -> ImportReport:
    added = raised = 0
    for (pubkey, kind), records in interchange.data.items():
        added += sum(insert_record(cur, pubkey, SignedKind(kind), rec) for rec in records)
        top = max((rec.epoch, rec.round) for rec in records)
        raised += process_watermark(cur, pubkey, SignedKind(kind), top)
    return added, raised


def group_rows(rows: list[Row]) -> dict[tuple[bytes, int], list[SignedRecord]]:
    data: dict[tuple[bytes, int], list[SignedRecord]] = {}
    for pubkey, kind, epoch, round, root in sorted(rows):
        record = SignedRecord(from_sql_int(epoch), from_sql_int(round), bytes(root))
        data.setdefault((bytes(pubkey), kind), []).append(record)
    return data


def to_sql_int(value: int) -> int:
    return value - (1 << 63)


def from_sql_int(value: int) -> int:
    return value + (1 << 63)
