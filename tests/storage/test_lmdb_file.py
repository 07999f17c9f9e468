"""A truncated or foreign ``data.mdb`` is refused before LMDB maps it (never SIGBUS), and LMDB's
own errors on damaged pages come out as ``CorruptStoreError``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zkpov.errors import StoreFaultError
from zkpov.storage.block_store import WriteBatch
from zkpov.storage.lmdb_file import check_data_file
from zkpov.storage.lmdb_store import CorruptStoreError, LmdbBlockStore

PAGE = 4096


def fill_store(path: Path, entries: int = 200) -> Path:
    with LmdbBlockStore(path) as store:
        for i in range(entries):
            store.write(WriteBatch().put_state(b"k%d" % i, b"v" * 3000))
    return path / "data.mdb"


def test_a_whole_file_and_a_missing_one_pass(tmp_path: Path) -> None:
    check_data_file(tmp_path / "absent" / "data.mdb")
    check_data_file(fill_store(tmp_path / "db"))


@pytest.mark.parametrize("keep", [0, 100, PAGE + 100, 3 * PAGE, -PAGE])
def test_a_truncated_file_is_refused(tmp_path: Path, keep: int) -> None:
    data = fill_store(tmp_path / "db")
    os.truncate(data, keep if keep >= 0 else data.stat().st_size + keep)
    with pytest.raises(StoreFaultError, match="is truncated"):
        LmdbBlockStore(tmp_path / "db")


def test_a_file_with_foreign_meta_pages_is_refused(tmp_path: Path) -> None:
    data = fill_store(tmp_path / "db")
    data.write_bytes(b"\xab" * data.stat().st_size)
    with pytest.raises(StoreFaultError, match="not an LMDB data file"):
        LmdbBlockStore(tmp_path / "db")


_OPEN = """
import sys
from zkpov.errors import StoreFaultError
from zkpov.storage.lmdb_store import LmdbBlockStore
try:
    print(len(LmdbBlockStore(sys.argv[1]).iter_state(b"k")))
except StoreFaultError as exc:
    print("refused:", exc)
"""


def test_a_truncated_file_does_not_kill_the_process_with_sigbus(tmp_path: Path) -> None:
    data = fill_store(tmp_path / "db")
    os.truncate(data, data.stat().st_size // 2)  # unchecked, reading it dies with SIGBUS
    done = subprocess.run(
        [sys.executable, "-c", _OPEN, str(tmp_path / "db")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused:") and "is truncated" in done.stdout


@pytest.mark.parametrize("page", [3, 4, 5])
def test_damaged_pages_raise_corrupt_store_error(tmp_path: Path, page: int) -> None:
    data = fill_store(tmp_path / "db", entries=200)
    blob = bytearray(data.read_bytes())
    blob[page * PAGE : (page + 1) * PAGE] = b"\x5a" * PAGE
    data.write_bytes(bytes(blob))
    with pytest.raises(CorruptStoreError, match="LMDB store"), LmdbBlockStore(tmp_path / "db") as s:
        s.iter_state(b"k")
