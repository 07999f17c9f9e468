"""``zkpov sim --report out.html``: one self-contained HTML page (inline SVG, inline CSS, no
script, nothing fetched) with a summary table and the six plots of a run."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from zkpov.errors import OutputPathError
from zkpov.sim.height_plot import plot_heights
from zkpov.sim.metrics import SimReport
from zkpov.sim.plots import (
    plot_commits_and_rounds,
    plot_latency_cdf,
    plot_messages,
    plot_proposer_share,
    plot_timeouts,
)
from zkpov.sim.scenarios import CrashSpec, SimConfig
from zkpov.sim.series import SimSeries
from zkpov.sim.svg import escape
from zkpov.sim.timeline import format_groups

__all__ = ["CHECKED_INVARIANTS", "PLOTS", "check_report_path", "render_report", "write_report"]

# What sim/invariants.py, sim/chain_state.py and the runner report (docs/design.md).
CHECKED_INVARIANTS = (
    "agreement", "irreversible_finality", "two_chain_commit", "one_vote_per_round", "vote_rule",
    "timeout_rule", "leader_determinism", "round_monotonicity", "certificate_validity",
    "stake_conservation", "accountability", "persist_before_send",
)  # fmt: skip
PLOTS: tuple[Callable[[SimSeries], str], ...] = (
    plot_latency_cdf, plot_commits_and_rounds, plot_messages, plot_timeouts,
    plot_proposer_share, plot_heights,
)  # fmt: skip
STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:60em}"
    "table{border-collapse:collapse;margin-bottom:1.5em}"
    "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}"
    ".bad{color:#d62728;font-weight:bold}.ok{color:#2ca02c}figure{margin:1em 0}"
)


def render_report(report: SimReport, config: SimConfig) -> str:
    """The whole page."""
    title = f"zkpov sim: {config.validators} validators, seed {config.seed}"
    figures = "\n".join(f"<figure>{plot(report.series)}</figure>" for plot in PLOTS)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n"
        f"<h1>{escape(title)}</h1>\n{render_tables(report, config)}\n{figures}\n</body></html>\n"
    )


def render_tables(report: SimReport, config: SimConfig) -> str:
    return "\n".join([
        _table("Configuration", get_config_rows(config)),
        _table("Results", get_result_rows(report)),
        _table("Invariants checked", get_invariant_rows(report), html_values=True),
    ])  # fmt: skip


def get_config_rows(config: SimConfig) -> list[tuple[str, str]]:
    byzantine = ", ".join(f"{k}={v}" for k, v in sorted(config.byzantine.items()) if v)
    partitions = "; ".join(
        f"{p.start}-{p.end} s: {format_groups(p.groups)}" for p in config.partitions
    )
    crashes = "; ".join(_format_crash(c) for c in config.crashes)
    return [
        ("validators", str(config.validators)), ("rounds", str(config.rounds)),
        ("seed", str(config.seed)), ("scheme", config.scheme),
        ("byzantine", byzantine or "none"), ("partitions", partitions or "none"),
        ("crashes", crashes or "none"),
        ("random restarts", ", ".join(f"{n}:{c}" for n, c in config.random_restarts) or "none"),
        ("loss", str(config.loss)), ("block time (s)", str(config.block_time)),
        ("timeout base (s)", str(config.timeout_base)),
    ]  # fmt: skip


def _format_crash(crash: CrashSpec) -> str:
    return f"{crash.node}@{crash.at}" + ("" if crash.restart_at is None else f":{crash.restart_at}")


def get_result_rows(report: SimReport) -> list[tuple[str, str]]:
    longest = max((len(ids) for ids in report.committed.values()), default=0)
    lat_r, lat_s = report.latency_rounds, report.latency_seconds
    return [
        ("rounds reached", str(report.rounds)),
        ("virtual seconds", f"{report.virtual_seconds:.2f}"),
        ("committed (longest log)", str(longest)),
        ("latency rounds p50 / p99", f"{lat_r['p50']:.2f} / {lat_r['p99']:.2f}"),
        ("latency seconds p50 / p99", f"{lat_s['p50']:.3f} / {lat_s['p99']:.3f}"),
        ("messages per round", f"{report.messages_per_round:.1f}"),
        ("byzantine proposal share", f"{report.extra.get('byzantine_proposal_share', 0.0):.3f}"),
        ("evidence", ", ".join(f"{e['kind']}:{e['validator']}" for e in report.evidence) or "-"),
        ("slashed", ", ".join(f"{k}:{v}" for k, v in report.slashed.items()) or "-"),
        ("crashed honest cores", str(report.extra.get("crashed_nodes", 0))),
    ]


def get_invariant_rows(report: SimReport) -> list[tuple[str, str]]:
    """Each invariant with ``ok`` or its violation count and first violation (escaped HTML)."""
    first = {v.partition(":")[0]: v for v in report.violations}
    rows = []
    for name in sorted(set(CHECKED_INVARIANTS) | set(report.violation_counts)):
        count = report.violation_counts.get(name, 0)
        if count:
            value = f'<span class="bad">violated x{count}</span>: {escape(first.get(name, ""))}'
        else:
            value = '<span class="ok">ok</span>'
        rows.append((name, value))
    return rows


def _table(caption: str, rows: list[tuple[str, str]], *, html_values: bool = False) -> str:
    cells = "".join(
        f"<tr><th>{escape(name)}</th><td>{value if html_values else escape(value)}</td></tr>"
        for name, value in rows
    )
    return f"<h2>{escape(caption)}</h2><table>{cells}</table>"


def check_report_path(path: Path) -> None:
    """Refuse a ``path`` whose directory is missing, or that is a directory."""
    if not path.parent.is_dir():
        raise OutputPathError(f"directory {path.parent} does not exist; create it first")
    if path.is_dir():
        raise OutputPathError(f"{path} is a directory; name a file")


def write_report(path: Path, page: str) -> None:
    """Write ``page`` to ``path`` through a temporary file beside it (whole or not at all)."""
    check_report_path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(page)
        os.chmod(temp, 0o644)  # mkstemp makes it 0600; a report is no secret
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
