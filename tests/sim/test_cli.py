"""``zkpov sim``: options, one JSON object with the documented keys, exit status, the HTML
report and the CSV series."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

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
    logs = report["committed"].values()
    assert all(set(log) == {"length", "sha256"} and log["length"] >= 0 for log in logs)
    assert "committed_logs" not in report
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
    assert run("--json-full-logs")[0] == 2


def test_plain_output_is_a_table() -> None:
    code, output = run("-n", "4", "-r", "4", "--scheme", "insecure-hash")
    assert code == 0 and "latency rounds" in output


def test_the_compact_json_matches_the_full_logs() -> None:
    args = ("-n", "4", "-r", "8", "--scheme", "insecure-hash", "-b", "leader_grinder=1", "--json")
    code, compact = run(*args)
    full_code, full = run(*args, "--json-full-logs")
    assert code == full_code == 0, compact
    small, big = json.loads(compact), json.loads(full)
    assert big["committed"] == small["committed"] and set(big["committed_logs"]) == {
        "0",
        "1",
        "2",
        "3",
    }
    for node, ids in big["committed_logs"].items():
        digest = hashlib.sha256(b"".join(bytes.fromhex(i) for i in ids)).hexdigest()
        assert small["committed"][node] == {"length": len(ids), "sha256": digest}
    assert max(len(ids) for ids in big["committed_logs"].values()) >= 5
    assert len(compact) < len(full)


def test_report_and_csv_are_written(tmp_path: Path) -> None:
    page, series = tmp_path / "r.html", tmp_path / "series"
    code, output = run(
        "-n", "4", "-r", "8", "--scheme", "insecure-hash", "--crash", "1@1:3",
        "--report", str(page), "--csv", str(series), "--json",
    )  # fmt: skip
    assert code == 0, output
    longest = max(log["length"] for log in json.loads(output)["committed"].values())
    assert page.read_text().count("<svg ") == 6
    assert len((series / "blocks.csv").read_text().splitlines()) == longest + 1  # and a header


def test_csv_into_a_directory_that_is_not_empty_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["sim", "-n", "4", "-r", "2", "--csv", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        f"error: {tmp_path} exists and is not empty; choose a new directory"
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_report_into_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "r.html"
    result = CliRunner().invoke(main, ["sim", "-n", "4", "-r", "2", "--report", str(target)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: directory {target.parent} does not exist; create it first"
    ]
