"""``zkpov devnet --byzantine MODE=N``: what is accepted, and the one-line usage mistakes."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from tests.test_cli_errors import assert_one_line, invoke
from zkpov.commands.devnet import parse_attacks


def test_attacks_parse_to_modes_and_validator_indices() -> None:
    parsed = parse_attacks(("double_vote=1", "double_proposal=3"), 4)
    assert parsed == (("double_vote", 1), ("double_proposal", 3))
    assert parse_attacks((), 4) == ()


@pytest.mark.parametrize(
    "specs",
    [
        ("mint=1",),
        ("double_vote",),
        ("double_vote=4",),
        ("double_vote=-1",),
        ("double_vote=1", "double_proposal=1"),
        ("double_vote=0", "double_vote=1", "double_vote=2", "double_vote=3"),
    ],
)
def test_bad_attacks_are_refused(specs: tuple[str, ...]) -> None:
    with pytest.raises(click.BadParameter):
        parse_attacks(specs, 4)


def test_a_bad_attack_is_one_line_before_anything_is_written(tmp_path: Path) -> None:
    args = ("devnet", "--dir", str(tmp_path / "net"), "--byzantine", "double_vote=9")
    assert "--byzantine" in assert_one_line(invoke(*args), code=2)
    assert not any(tmp_path.iterdir())


def test_saturate_refuses_attackers_in_one_line_before_writing(tmp_path: Path) -> None:
    args = ("devnet", "--dir", str(tmp_path / "net"), "--load", "saturate",
            "--byzantine", "double_vote=1")  # fmt: skip
    assert "--load saturate" in assert_one_line(invoke(*args), code=2)
    assert not any(tmp_path.iterdir())


def test_saturate_refuses_a_foreign_directory_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    args = ("devnet", "--dir", str(tmp_path), "--load", "saturate", "--no-proofs")
    assert "not a zkpov devnet" in assert_one_line(invoke(*args), code=1)
    assert (tmp_path / "precious.txt").read_text() == "keep me"
