"""zkpov.node.ops.new_dir: a directory appears whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from zkpov.node.ops.new_dir import TargetNotEmptyError, build_new_directory


def test_the_directory_appears_only_when_the_build_succeeds(tmp_path: Path) -> None:
    target = tmp_path / "home"
    with build_new_directory(target) as work:
        (work / "config.toml").write_text("x")
        assert not target.exists()
    assert (target / "config.toml").read_text() == "x"
    assert [p.name for p in tmp_path.iterdir()] == ["home"]


def test_a_failed_build_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="disk full"), build_new_directory(tmp_path / "home") as work:
        (work / "half").write_text("x")
        raise OSError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_an_empty_target_is_replaced_and_a_full_one_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with build_new_directory(tmp_path / "empty") as work:
        (work / "a").write_text("x")
    assert (tmp_path / "empty" / "a").exists()
    full = tmp_path / "empty"
    with pytest.raises(TargetNotEmptyError, match="not empty"), build_new_directory(full):
        pass
    (tmp_path / "file").write_text("x")
    with pytest.raises(TargetNotEmptyError), build_new_directory(tmp_path / "file"):
        pass
