"""A node refuses to start on a damaged or inconsistent set of stores, with one line on stderr
and exit code 1: a missing, emptied, old, WAL-less, damaged-WAL, garbage or truncated slashing
database, or a truncated LMDB ``data.mdb``. ``--init-slashing-protection`` starts a deleted one.
The home comes from a real one-validator node killed with SIGKILL after some blocks, so its
slashing database's recent rows are still in the ``-wal`` file."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.node.test_runtime import free_base_port
from zkpov.cli import main
from zkpov.errors import StoreFaultError
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.setup import create_testnet
from zkpov.node.runtime import Node

ZKPOV = [sys.executable, "-m", "zkpov"]
DB = "data/slashing.sqlite"


@dataclasses.dataclass(frozen=True)
class CrashedHome:
    home: Path
    old_slashing: Path  # a backup of its slashing database, taken a few blocks earlier
    height: int


def get_height(home: Path) -> int:
    host, port = load_node_config(home).rpc_listen
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/status", timeout=2) as resp:
            return int(json.load(resp)["sync_info"]["latest_block_height"])
    except OSError:
        return -1


def wait_height(home: Path, target: int, proc: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 60
    while (height := get_height(home)) < target:
        assert proc.poll() is None and time.monotonic() < deadline, "the node did not advance"
        time.sleep(0.2)
    return height


def back_up(db: Path, copy: Path) -> None:
    """Closed explicitly: the last connection to close would fold the -wal into the file."""
    with closing(sqlite3.connect(db)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory) -> CrashedHome:
    out = tmp_path_factory.mktemp("crashed")
    layout = create_testnet(out / "net", 1, accounts=2, base_port=free_base_port(2), proof_lag=0)
    home = layout.homes[0]
    write_node_config(dataclasses.replace(load_node_config(home), proofs_enabled=False))
    proc = subprocess.Popen([*ZKPOV, "start", "--home", str(home)], stderr=subprocess.DEVNULL)
    try:
        wait_height(home, 2, proc)
        back_up(home / DB, out / "old.sqlite")
        height = wait_height(home, 6, proc)
    finally:
        proc.send_signal(signal.SIGKILL)  # no clean close: the recent rows stay in the -wal
        proc.wait(timeout=30)
    assert (home / (DB + "-wal")).stat().st_size > 0
    return CrashedHome(home, out / "old.sqlite", height)


def copy_home(crashed: CrashedHome, tmp_path: Path) -> Path:
    return Path(shutil.copytree(crashed.home, tmp_path / "node0"))


def remove_wal(home: Path) -> None:
    for suffix in ("-wal", "-shm"):
        (home / (DB + suffix)).unlink(missing_ok=True)


def checkpoint(home: Path) -> None:
    """Folds the -wal into the database file, as a clean shutdown does."""
    with closing(sqlite3.connect(home / DB)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    remove_wal(home)


def delete(home: Path, crashed: CrashedHome) -> None:
    (home / DB).unlink()
    remove_wal(home)


def empty(home: Path, crashed: CrashedHome) -> None:
    with closing(sqlite3.connect(home / DB, isolation_level=None)) as conn:
        for table in ("signed", "watermarks", "reserved"):
            conn.execute(f"DELETE FROM {table}")


def restore_old_backup(home: Path, crashed: CrashedHome) -> None:
    remove_wal(home)
    shutil.copy(crashed.old_slashing, home / DB)


def copy_without_wal(home: Path, crashed: CrashedHome) -> None:
    remove_wal(home)


def damage_wal(home: Path, crashed: CrashedHome) -> None:
    wal = home / (DB + "-wal")
    with wal.open("r+b") as file:
        file.seek(wal.stat().st_size // 2)
        file.write(b"\x5a" * 8192)
    (home / (DB + "-shm")).unlink()


def garble(home: Path, crashed: CrashedHome) -> None:
    remove_wal(home)
    (home / DB).write_bytes(os.urandom((home / DB).stat().st_size))


def truncate_sqlite(home: Path, crashed: CrashedHome) -> None:
    checkpoint(home)
    os.truncate(home / DB, (home / DB).stat().st_size // 2)


def truncate_lmdb(home: Path, crashed: CrashedHome) -> None:
    data = home / "data" / "blocks" / "data.mdb"
    os.truncate(data, data.stat().st_size // 2)


DAMAGE: dict[str, tuple[Callable[[Path, CrashedHome], None], str]] = {
    "deleted": (delete, "no slashing-protection database"),
    "emptied": (empty, "is empty, but the safety data"),
    "old backup": (restore_old_backup, "is behind"),
    "copied without its -wal": (copy_without_wal, "is empty, but the safety data"),
    "damaged -wal": (damage_wal, "is behind|is empty"),  # frames from the damage on are lost
    "garbage": (garble, "unreadable or corrupt"),
    "truncated sqlite": (truncate_sqlite, "unreadable or corrupt"),
    "truncated data.mdb": (truncate_lmdb, "data.mdb is truncated"),
}


def test_the_crashed_home_itself_starts(crashed: CrashedHome, tmp_path: Path) -> None:
    """SIGKILL between saving safety data and recording the message is no refusal."""
    home = copy_home(crashed, tmp_path)
    Node(load_node_config(home)).close()


@pytest.mark.parametrize("case", list(DAMAGE))
def test_start_refuses_a_damaged_store_with_one_line(
    crashed: CrashedHome, tmp_path: Path, case: str
) -> None:
    damage, expected = DAMAGE[case]
    home = copy_home(crashed, tmp_path)
    damage(home, crashed)
    done = subprocess.run(
        [*ZKPOV, "start", "--home", str(home)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert re.search(expected, lines[0]), lines[0]


def test_init_slashing_protection_starts_a_deleted_database(
    crashed: CrashedHome, tmp_path: Path
) -> None:
    home = copy_home(crashed, tmp_path)
    delete(home, crashed)
    proc = subprocess.Popen(
        [*ZKPOV, "start", "--home", str(home), "--init-slashing-protection"],
        stderr=subprocess.PIPE,
    )
    try:
        wait_height(home, crashed.height + 2, proc)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"created a new, empty slashing-protection database" in err
    Node(load_node_config(home)).close()  # the next start needs no flag


def test_init_refuses_a_wal_left_without_its_database(crashed: CrashedHome, tmp_path: Path) -> None:
    home = copy_home(crashed, tmp_path)
    (home / DB).unlink()  # the -wal of the old database stays: SQLite would replay it
    with pytest.raises(StoreFaultError, match="-wal is left without its database"):
        Node(load_node_config(home), init_slashing_protection=True)
    assert not (home / DB).exists()


def test_a_brand_new_home_from_zkpov_init_starts_without_the_flag(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = CliRunner().invoke(main, ["init", "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert (home / DB).is_file()
    Node(load_node_config(home)).close()
