"""``zkpov twins``: a seeded Twins search from the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from zkpov.cli import main
from zkpov.sim import twins as twins_module


def test_a_clean_search_reports_its_scenarios_and_exits_0() -> None:
    result = CliRunner().invoke(main, ["twins", "--scenarios", "3", "--seed", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"scenarios": 3, "failures": []}


def test_a_violation_is_listed_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    real = twins_module.run_twins_scenario
    monkeypatch.setattr(
        twins_module,
        "run_twins_scenario",
        lambda scenario, **kw: real(scenario, break_vote_rule=True),
    )
    result = CliRunner().invoke(main, ["twins", "--scenarios", "40", "--seed", "0"])
    assert result.exit_code == 1, result.output
    assert "with a violation" in result.output and "seed " in result.output


def test_more_twins_than_validators_is_one_line_and_exit_2() -> None:
    result = CliRunner().invoke(main, ["twins", "--validators", "3", "--twins", "3"])
    assert result.exit_code == 2 and "--twins must be below --validators" in result.output
