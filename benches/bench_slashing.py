"""What the start checks and the slashing reservation cost (issue 11), on this machine's disk.

    python benches/bench_slashing.py [--rounds 200]

- per signed round: the safety data saved through ``ReservingSafetyStore`` (one SQLite
  reservation, then the fsynced safety file) and the vote recorded in the slashing DB, against
  the same without the reservation (what a round cost before);
- at start: opening the slashing DB with its ``quick_check`` and the coverage check, for
  histories of 1k, 10k and 100k signed rounds; the ``data.mdb`` size check.

Prints medians in milliseconds. Every write is fsynced, so the figures are the disk's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from zkpov.crypto import bls
from zkpov.spec.safety_data import SafetyData
from zkpov.storage.block_store import WriteBatch
from zkpov.storage.lmdb_file import check_data_file
from zkpov.storage.lmdb_store import LmdbBlockStore
from zkpov.storage.safety_store import FileSafetyStore
from zkpov.storage.slashing_coverage import ReservingSafetyStore, check_slashing_coverage
from zkpov.storage.slashing_db import SlashingDB
from zkpov.types import Epoch, Round

GENESIS = hashlib.sha256(b"bench genesis").digest()
PK = bls.sk_to_pk(bls.keygen(b"b" * 32))


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1e3:8.2f} ms"


def time_rounds(root: Path, rounds: int, reserve: bool) -> list[float]:
    db = SlashingDB(root / "slashing.sqlite", GENESIS)
    plain = FileSafetyStore(root / "safety.bin")
    safety = ReservingSafetyStore(plain, db, PK) if reserve else plain
    samples = []
    for r in range(1, rounds + 1):
        start = time.perf_counter()
        safety.save(SafetyData(Epoch(0), last_voted_round=Round(r)))
        db.check_and_record_vote(PK, 0, r, hashlib.sha256(b"%d" % r).digest())
        samples.append(time.perf_counter() - start)
    db.close()
    return samples


def fill_history(path: Path, rounds: int) -> None:
    with SlashingDB(path, GENESIS) as db:
        db.import_interchange(_history(rounds))


def _history(rounds: int) -> str:
    votes = [{"epoch": "0", "round": str(r), "signing_root": f"0x{r:064x}"} for r in range(rounds)]
    meta = {"interchange_format_version": "1", "genesis_validators_root": "0x" + GENESIS.hex()}
    entry = {"pubkey": "0x" + PK.hex(), "signed_votes": votes}
    return json.dumps({"metadata": meta, "data": [entry]})


def time_start_check(path: Path, rounds: int, repeats: int = 5) -> list[float]:
    safety = SafetyData(Epoch(0), last_voted_round=Round(rounds - 1))

    def open_and_check() -> None:
        with SlashingDB(path, GENESIS, create=False) as db:
            check_slashing_coverage(db, PK, safety, chain_height=rounds)

    return _repeat(open_and_check, repeats)


def _repeat(body: Callable[[], None], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for reserve in (False, True):
            (root / str(reserve)).mkdir()
            samples = time_rounds(root / str(reserve), args.rounds, reserve)
            label = "with reservation" if reserve else "without (before)"
            print(f"one signed round, {label}: {median_ms(samples)}")
        for rounds in (1_000, 10_000, 100_000):
            path = root / f"history{rounds}.sqlite"
            fill_history(path, rounds)
            samples = time_start_check(path, rounds)
            print(f"start check, {rounds:>7} rounds:       {median_ms(samples)}")
        with LmdbBlockStore(root / "blocks") as store:
            for i in range(2000):
                store.write(WriteBatch().put_state(b"k%d" % i, bytes(1000)))
        data = root / "blocks" / "data.mdb"
        samples = _repeat(lambda: check_data_file(data), 20)
        print(f"data.mdb size check:              {median_ms(samples)}")


if __name__ == "__main__":
    main()
