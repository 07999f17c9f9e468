"""zkpov.node.ops.lock: one holder per lock file, its pid named to whoever is refused."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from zkpov.node.ops.lock import HomeInUseError, hold_file_lock, hold_home_lock, read_holder_pid


def test_a_home_is_held_once_and_released_after(tmp_path: Path) -> None:
    with (
        hold_home_lock(tmp_path),
        pytest.raises(HomeInUseError, match=rf"in use by another process \(pid {os.getpid()}\)"),
        hold_home_lock(tmp_path),
    ):
        pass
    with hold_home_lock(tmp_path):  # released: taken again
        pass
    assert stat.S_IMODE((tmp_path / "node.lock").stat().st_mode) == 0o600


def test_a_non_waiting_lock_reports_that_it_is_held(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with hold_file_lock(path, wait=False) as first, hold_file_lock(path, wait=False) as second:
        assert (first, second) == (True, False)


@pytest.mark.parametrize("content", [b"", b"not a pid", b"9" * 100, b"\xff\xfe"])
def test_a_hostile_lock_file_names_no_pid(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "node.lock"
    path.write_bytes(content)
    assert read_holder_pid(path) == "unknown"


def test_a_lock_file_that_is_a_symlink_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").write_text("precious")
    (tmp_path / "node.lock").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError, match="symbolic links"), hold_home_lock(tmp_path):
        pass
    assert (tmp_path / "elsewhere").read_text() == "precious"
