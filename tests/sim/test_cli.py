"""``zkpov sim``: options, one JSON object with the documented keys, exit status."""

from __future__ import annotations

import json

from click.testing import CliRunner

from zkpov.cli import main

KEYS = {
    "committed",
    "violations",
    "evidence",
    "slashed",
    "latency_rounds",
    "latency_seconds",
    "messages_per_round",
}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["sim", *args])
    return result.exit_code, result.output


def test_json_report_has_the_documented_shape() -> None:
    code, output = run(
        "--validators", "7", "--rounds", "12", "--seed", "3", "--byzantine", "double_voter=1",
        "--byzantine", "twins=1", "--partition", "2:3:0-3/4-7", "--crash", "0@1.5:4", "--json",
    )  # fmt: skip
    assert code == 0, output
    report = json.loads(output)
    assert set(report) >= KEYS
    assert report["violations"] == []
    assert all(isinstance(ids, list) for ids in report["committed"].values())
    assert {"kind": "double_vote", "validator": 6} in report["evidence"]
    assert set(report["latency_rounds"]) == {"p50", "p99"} == set(report["latency_seconds"])
    assert report["slashed"]["6"] > 0


def test_bad_options_are_usage_errors() -> None:
    assert run("--byzantine", "sleepy=1")[0] == 2
    assert run("--crash", "x@y")[0] == 2
    assert run("--partition", "5:1:0-1")[0] == 2
    assert run("--validators", "1001")[0] == 2


def test_plain_output_is_a_table() -> None:
    code, output = run("-n", "4", "-r", "4", "--scheme", "insecure-hash")
    assert code == 0 and "latency rounds" in output
