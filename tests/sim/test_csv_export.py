"""``--csv DIR``: one file per series with a header row and one row per item of the run; a DIR
that is not empty is refused, and nothing is left half-written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from zkpov.errors import OutputPathError
from zkpov.sim import SimReport, run_simulation
from zkpov.sim.csv_export import CSV_FILES, check_output_dir, write_csv_dir


@pytest.fixture(scope="module")
def report() -> SimReport:
    return run_simulation(
        validators=4, rounds=12, seed=5, scheme="insecure-hash", byzantine={"leader_grinder": 1},
        partitions=(), random_restarts=((2, 1),),
    )  # fmt: skip


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_each_series_has_its_header_and_a_row_per_item(report: SimReport, tmp_path: Path) -> None:
    out = tmp_path / "series"
    write_csv_dir(report.series, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(CSV_FILES)
    rounds, blocks = read(out / "rounds.csv"), read(out / "blocks.csv")
    assert [int(r["round"]) for r in rounds] == list(range(1, report.rounds + 1))
    assert sum(int(r["messages"]) for r in rounds) <= sum(r.messages for r in report.series.rounds)
    longest = max(report.committed.values(), key=len)
    assert [b["block_id"] for b in blocks] == longest and blocks[0]["height"] == "1"
    assert {b["proposer_byzantine"] for b in blocks if b["proposer"] == "3"} <= {"1"}
    assert any(r["timeouts"] != "0" for r in rounds)  # node 2 crashed: a round timed out
    heights = read(out / "heights.csv")
    assert len(heights) == len(report.series.heights) and list(heights[0]) == [
        "time",
        "node",
        "height",
    ]
    assert max(int(h["height"]) for h in heights if h["node"] == "0") == len(report.committed[0])
    assert len(read(out / "latency.csv")) == len(report.series.latency_seconds) > 0
    kinds = {e["kind"] for e in read(out / "events.csv")}
    assert {"crash", "byzantine_leader"} <= kinds


def test_an_empty_directory_is_filled(report: SimReport, tmp_path: Path) -> None:
    write_csv_dir(report.series, tmp_path)
    assert len(list(tmp_path.iterdir())) == len(CSV_FILES)


def test_a_directory_that_is_not_empty_is_refused(report: SimReport, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(OutputPathError, match="not empty"):
        write_csv_dir(report.series, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    with pytest.raises(OutputPathError, match="not a directory"):
        check_output_dir(tmp_path / "keep.txt")
    with pytest.raises(OutputPathError, match="does not exist"):
        check_output_dir(tmp_path / "missing" / "out")


def test_a_failed_write_leaves_nothing(
    report: SimReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("zkpov.sim.csv_export.os.rename", fail)
    with pytest.raises(OSError, match="No space"):
        write_csv_dir(report.series, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []
