"""``zkpov sim``: run the seeded adversarial simulator and print its report.

With ``--json`` it prints exactly one JSON object (keys: committed (per node id, the log's
``length`` and ``sha256`` of its block ids; ``--json-full-logs`` adds the ids as
``committed_logs``), violations, evidence, slashed, latency_rounds, latency_seconds,
messages_per_round, rejected_inputs, crashed_nodes (fatal failures of honest cores, each with a
restart scheduled), byzantine_proposal_share, peak_table_sizes (per node id, the largest size of
each core message table), and more); the exit status is 0 when no invariant was violated and 1
otherwise. ``--report FILE`` writes a self-contained HTML page with plots, ``--csv DIR`` the raw
series (``sim/csv_export.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from zkpov.sim import SimConfig, SimReport, run_simulation
from zkpov.sim.csv_export import check_output_dir, write_csv_dir
from zkpov.sim.html_report import check_report_path, render_report, write_report
from zkpov.sim.scenarios import (
    BYZANTINE_KINDS,
    ScenarioError,
    parse_byzantine,
    parse_crash,
    parse_crash_random,
    parse_partition,
)

__all__ = ["sim"]


@click.command()
@click.option("--validators", "-n", type=click.IntRange(1, 1000), default=4, show_default=True)
@click.option("--rounds", "-r", type=click.IntRange(1, 100_000), default=20, show_default=True)
@click.option("--seed", "-s", type=int, default=0, show_default=True)
@click.option(
    "--byzantine",
    "-b",
    multiple=True,
    metavar="KIND=COUNT",
    help=f"Byzantine validators (repeatable); KIND in {', '.join(BYZANTINE_KINDS)}.",
)
@click.option(
    "--partition",
    multiple=True,
    metavar="START:END:GROUPS",
    help="Cut the network, e.g. 2:6:0-3/4-6 (seconds; '/' separates node groups).",
)
@click.option(
    "--crash", multiple=True, metavar="NODE@TIME[:RESTART]", help="Crash (and restart) a node."
)
@click.option(
    "--crash-random",
    multiple=True,
    metavar="NODE:COUNT",
    help="Crash and restart a node COUNT times at seeded random moments.",
)
@click.option("--loss", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True)
@click.option(
    "--scheme",
    type=click.Choice(["bls", "insecure-hash"]),
    default="bls",
    show_default=True,
    help="insecure-hash skips pairings (large runs only; forgeable).",
)
@click.option("--block-time", type=click.FloatRange(min=0.001), default=0.5, show_default=True)
@click.option(
    "--timeout", "timeout_base", type=click.FloatRange(min=0.01), default=1.0, show_default=True
)
@click.option(
    "--epoch-length",
    type=click.IntRange(1, 10**6),
    default=None,
    help="Blocks per epoch: validator sets change at each boundary (default: one epoch).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--json-full-logs", is_flag=True, help="With --json: add every node's committed block ids."
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a self-contained HTML report with plots to this file.",
)
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the per-round and per-block series as CSV files into this new directory.",
)
def sim(
    validators: int,
    rounds: int,
    seed: int,
    byzantine: tuple[str, ...],
    partition: tuple[str, ...],
    crash: tuple[str, ...],
    crash_random: tuple[str, ...],
    loss: float,
    scheme: str,
    block_time: float,
    timeout_base: float,
    epoch_length: int | None,
    as_json: bool,
    json_full_logs: bool,
    report_path: Path | None,
    csv_dir: Path | None,
) -> None:
    """Simulate N validators for R rounds with faults; check the safety invariants."""
    if json_full_logs and not as_json:
        raise click.UsageError("--json-full-logs goes with --json")
    try:
        config = SimConfig(
            validators=validators, rounds=rounds, seed=seed, byzantine=parse_byzantine(byzantine),
            partitions=tuple(parse_partition(p) for p in partition),
            crashes=tuple(parse_crash(c) for c in crash), loss=loss, scheme=scheme,
            random_restarts=tuple(parse_crash_random(c) for c in crash_random),
            block_time=block_time, timeout_base=timeout_base, epoch_length=epoch_length,
        )  # fmt: skip
        check_nodes(config)
    except ScenarioError as exc:
        raise click.UsageError(str(exc)) from exc
    check_outputs(report_path, csv_dir)
    report = run_simulation(config)
    write_outputs(report, config, report_path, csv_dir)
    if as_json:
        click.echo(json.dumps(report.to_json(full_logs=json_full_logs), sort_keys=True))
    else:
        print_summary(report)
    raise SystemExit(1 if report.violations else 0)


def check_outputs(report_path: Path | None, csv_dir: Path | None) -> None:
    """Refuse output paths before the run, not after it (the writers check again)."""
    if report_path is not None:
        check_report_path(report_path)
    if csv_dir is not None:
        check_output_dir(csv_dir)


def write_outputs(
    report: SimReport, config: SimConfig, report_path: Path | None, csv_dir: Path | None
) -> None:
    """The ``--report`` page and the ``--csv`` directory, if asked for."""
    if report_path is not None:
        write_report(report_path, render_report(report, config))
    if csv_dir is not None:
        write_csv_dir(report.series, csv_dir)


def check_nodes(config: SimConfig) -> None:
    """Every node a fault names exists (the validators, then one extra node per twin), and no
    fault starts before time 0."""
    count = config.validators + config.byzantine.get("twins", 0)
    named = [("--crash", c.node) for c in config.crashes]
    named += [("--crash-random", node) for node, _ in config.random_restarts]
    named += [("--partition", n) for p in config.partitions for g in p.groups for n in g]
    for option, node in named:
        if not 0 <= node < count:
            raise ScenarioError(f"{option} names node {node}; nodes are 0..{count - 1}")
    if any(c.at < 0 for c in config.crashes) or any(p.start < 0 for p in config.partitions):
        raise ScenarioError("faults start at time 0 or later")


def print_summary(report: SimReport) -> None:
    table = Table(title="zkpov sim")
    table.add_column("metric")
    table.add_column("value", justify="right")
    longest = max((len(ids) for ids in report.committed.values()), default=0)
    rows = [
        ("rounds", str(report.rounds)),
        ("committed (longest log)", str(longest)),
        ("latency rounds p50 / p99", _pair(report.latency_rounds)),
        ("latency seconds p50 / p99", _pair(report.latency_seconds)),
        ("messages per round", f"{report.messages_per_round:.1f}"),
        ("evidence", ", ".join(f"{e['kind']}:{e['validator']}" for e in report.evidence) or "-"),
        ("slashed", ", ".join(f"{k}:{v}" for k, v in report.slashed.items()) or "-"),
        ("crashed honest nodes", str(report.extra.get("crashed_nodes", 0))),
        ("byzantine proposal share", f"{report.extra.get('byzantine_proposal_share', 0.0):.2f}"),
        ("violations", "; ".join(report.violations) or "none"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    Console().print(table)


def _pair(values: dict[str, float]) -> str:
    return f"{values['p50']:.2f} / {values['p99']:.2f}"
