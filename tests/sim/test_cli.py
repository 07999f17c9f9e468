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


def test_json_reports_crashes_proposal_share_and_peak_tables() -> None:
    code, output = run(
        "-n", "4", "-r", "10", "--scheme", "insecure-hash", "--byzantine", "leader_grinder=1",
        "--crash", "3@0", "--crash-random", "1:2", "--json",
    )  # fmt: skip
    assert code == 0, output
    report = json.loads(output)
    assert report["crashed_nodes"] == 0 and report["rejected_inputs"] >= 0
    assert 0.0 <= report["byzantine_proposal_share"] <= 1.0
    peaks = report["peak_table_sizes"]
    assert set(peaks) <= {"0", "1", "2", "3"} and {"0", "2"} <= set(peaks)
    assert all(isinstance(v, int) for sizes in peaks.values() for v in sizes.values())


def test_bad_options_are_usage_errors() -> None:
    assert run("--byzantine", "sleepy=1")[0] == 2
    assert run("--crash", "x@y")[0] == 2
    assert run("--crash-random", "1")[0] == 2
    assert run("--partition", "5:1:0-1")[0] == 2
    assert run("--validators", "1001")[0] == 2


def test_plain_output_is_a_table() -> None:
    code, output = run("-n", "4", "-r", "4", "--scheme", "insecure-hash")
    assert code == 0 and "latency rounds" in output
