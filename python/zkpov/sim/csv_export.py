"""``zkpov sim --csv DIR``: the run's raw series as CSV files, one per series, with a header row.

DIR must not exist or be empty. The files are written into a fresh directory beside it, then
renamed into place: DIR ends up whole or not at all.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from zkpov.errors import OutputPathError
from zkpov.sim.series import SimSeries

__all__ = ["CSV_FILES", "check_output_dir", "get_csv_tables", "write_csv_dir"]

CSV_FILES = ("rounds.csv", "blocks.csv", "heights.csv", "latency.csv", "events.csv")

Row = Sequence[object]


def check_output_dir(directory: Path) -> None:
    """Refuse a ``directory`` that exists and is not an empty directory, or has no parent."""
    if directory.is_symlink() or (directory.exists() and not directory.is_dir()):
        raise OutputPathError(f"{directory} exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()):
        raise OutputPathError(f"{directory} exists and is not empty; choose a new directory")
    if not directory.parent.is_dir():
        raise OutputPathError(f"directory {directory.parent} does not exist; create it first")


def write_csv_dir(series: SimSeries, directory: Path) -> None:
    """Write every table of ``series`` into ``directory`` (whole or not at all)."""
    check_output_dir(directory)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    staging.chmod(0o755)  # mkdtemp makes it 0700; these are no secrets
    try:
        for name, (header, rows) in get_csv_tables(series).items():
            _write_table(staging / name, header, rows)
        os.rename(staging, directory)  # onto a missing or empty directory only
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def get_csv_tables(series: SimSeries) -> dict[str, tuple[Row, Iterable[Row]]]:
    """File name -> (header, rows)."""
    byzantine = series.get_byzantine_validators()
    return {
        "rounds.csv": (
            ("round", "entered_at", "leader", "leader_byzantine", "messages", "timeouts"),
            ((r.round, _num(r.entered_at), _num(r.leader), int(r.leader in byzantine),
              r.messages, r.timeouts) for r in series.rounds),
        ),
        "blocks.csv": (
            ("height", "round", "proposer", "proposer_byzantine", "block_id", "proposed_at",
             "first_commit_at"),
            ((b.height, b.round, b.proposer, int(b.proposer in byzantine), b.block_id,
              _num(b.proposed_at), _num(b.first_commit_at)) for b in series.blocks),
        ),
        "heights.csv": (("time", "node", "height"), series.heights),
        "latency.csv": (("latency_seconds",), ((v,) for v in series.latency_seconds)),
        "events.csv": (
            ("start", "end", "kind", "nodes", "detail"),
            ((e.start, e.end, e.kind, " ".join(map(str, e.nodes)), e.detail)
             for e in series.events),
        ),
    }  # fmt: skip


def _num(value: float | int | None) -> object:
    return "" if value is None else value


def _write_table(path: Path, header: Row, rows: Iterable[Row]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
