"""The simulator's speed-ups change no output: ``zkpov sim --json`` prints the same bytes as
before them (issue 15 item 6). The digests were taken from commit 5a7021c (main before the
speed-ups) with these arguments; a change that alters a report on purpose must update them."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

from zkpov.cli import main

CASES = {
    "1000 validators": (
        ["-n", "1000", "-r", "4", "--json"],
        "ad22127b2aac6cc2344e4146cf92cfa9c76ce83e8e77e5d40d56d3b42f90c9f9",
    ),
    "faults and byzantine voters": (
        ["-n", "16", "-r", "30", "-s", "5", "-b", "vote_forger=2", "-b", "withholder=1",
         "-b", "equivocating_leader=1", "--crash", "3@2:5", "--loss", "0.05", "--json",
         "--json-full-logs"],
        "d7be83b2dd359941659ad7c6f58988f5b769559349c80429c1db7cb207a92ea9",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_json_report_is_byte_identical_to_main(case: str) -> None:
    args, digest = CASES[case]
    result = CliRunner().invoke(main, ["sim", *args])
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(result.output.encode()).hexdigest() == digest
