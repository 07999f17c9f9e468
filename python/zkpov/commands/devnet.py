"""``zkpov devnet``: the main job. Validators as processes on loopback, a load, a live table."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import signal
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from zkpov.constants import ATTACK_MODES
from zkpov.devnet.joiners import JoinError
from zkpov.devnet.load import NodeProgress, NodeStartError, Tracker
from zkpov.devnet.run import (
    DevnetOptions,
    DevnetReport,
    prepare_devnet,
    read_last_error,
    run_devnet,
)
from zkpov.devnet.saturate import SaturationOptions, get_mode_options, run_saturation
from zkpov.devnet.saturation_report import STEP_HEADER, format_report, format_step
from zkpov.node.ops.key_cache import log as key_cache_log
from zkpov.node.ops.logs import configure_logging
from zkpov.node.ops.setup import MAX_JOINERS, TestnetLayout
from zkpov.node.state.genesis import MAX_EPOCH_LENGTH


def parse_attacks(specs: tuple[str, ...], validators: int) -> tuple[tuple[str, int], ...]:
    """``("double_vote=1", ...)`` to ``(("double_vote", 1), ...)``: known modes, distinct
    validator indices below ``validators``, and at least one validator left honest."""
    attacks = tuple(_parse_attack(spec, validators) for spec in specs)
    indices = [index for _, index in attacks]
    if len(set(indices)) != len(indices) or len(indices) >= validators:
        raise click.BadParameter(
            "one attack per validator, and at least one validator left honest",
            param_hint="--byzantine",
        )
    return attacks


def _parse_attack(spec: str, validators: int) -> tuple[str, int]:
    mode, _, index = spec.partition("=")
    if mode not in ATTACK_MODES or not index.isdigit() or int(index) >= validators:
        raise click.BadParameter(
            f"{spec!r}: expected MODE=N, MODE one of {', '.join(ATTACK_MODES)} and N a"
            f" validator index below {validators}",
            param_hint="--byzantine",
        )
    return mode, int(index)


def _table(progress: list[NodeProgress], tracker: Tracker | None, target: int) -> Table:
    table = Table(title=f"zkpov devnet (stops at {target} finalized blocks; Ctrl-C stops early)")
    for column in ("node", "height", "round", "proven-final", "mean proof s"):
        table.add_column(column, justify="right")
    for i, p in enumerate(progress):
        proof = "-" if p.proof_seconds is None else f"{p.proof_seconds:.2f}"
        table.add_row(f"node{i}", str(p.height), str(p.round), str(p.proven_final), proof)
    if tracker is not None:
        lat = sorted(tracker.latencies)
        p50 = f"{lat[len(lat) // 2]:.2f}s" if lat else "-"
        table.caption = f"txs committed {tracker.committed}; commit latency p50 {p50}"
    return table


async def _run_until_signal(
    options: DevnetOptions, layout: TestnetLayout, on_progress: Any
) -> DevnetReport:
    """The devnet until done; SIGINT or SIGTERM ends it early, the nodes stopped, a report made."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return await run_devnet(options, layout, on_progress, stop)


def _show_key_generation() -> None:
    """The circuit keys take about a minute before the table appears: say so on stderr."""
    configure_logging("warning")
    key_cache_log.setLevel(logging.INFO)


def check_join(join: int, epoch_length: int | None, load_kind: str) -> None:
    """``--join`` errors, each one line (``ClickException``: exit status 1)."""
    if not 0 <= join <= MAX_JOINERS:
        raise click.ClickException(f"--join must be 0 to {MAX_JOINERS}, got {join}")
    if join and epoch_length is None:
        raise click.ClickException("--join needs --epoch-length: a validator joins at an epoch")
    if join and load_kind == "saturate":
        raise click.ClickException("--join does not apply to --load saturate")


def _print_summary(console: Console, report: DevnetReport) -> None:
    if report.stopped_early:
        console.print("stopped early by a signal; the nodes were stopped")
    console.print(
        f"finalized height: {report.finalized_height} (all nodes agree: {report.nodes_agree})"
    )
    console.print(
        f"transfers committed: {report.txs_committed} of {report.txs_submitted} submitted"
    )
    proven = report.proven_final_height
    console.print(
        f"validity proofs verified: {report.proofs_verified}; proven-final height: {proven}"
    )
    console.print(
        f"tx commit latency: {report.commit_latency_s}; block interval: {report.block_interval_s}"
    )
    if report.byzantine:
        console.print(f"attackers: {report.byzantine}; evidence committed: {report.evidence}")
    console.print(
        f"slashed: {report.slashed}; rewards paid: {report.rewards_paid};"
        f" supply conserved: {report.supply_conserved}"
    )
    if report.joined_signed_qcs:
        console.print(f"joined validators, QCs each signed: {report.joined_signed_qcs}")
    console.print(f"{report.load_note}; wall time {report.wall_seconds}s")


@click.command()
@click.option("--validators", default=4, show_default=True, type=click.IntRange(1, 16))
@click.option("--blocks", default=10, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--dir", "directory", default="devnet", show_default=True, type=click.Path(path_type=Path)
)
@click.option("--proofs/--no-proofs", default=True, show_default=True)
@click.option(
    "--proof-lag",
    default=8,
    show_default=True,
    type=click.IntRange(0, 1024),
    help="blocks carry validity proofs at most this many heights behind (0: proofs only gossiped)",
)
@click.option("--base-port", default=26656, show_default=True, type=click.IntRange(1024, 60000))
@click.option("--timeout", default=600.0, show_default=True, type=click.FloatRange(10, 86400))
@click.option(
    "--byzantine",
    "attacks",
    multiple=True,
    metavar="MODE=N",
    help=f"ATTACK MODE, test networks only: validator N runs 'zkpov start --byzantine MODE'"
    f" (MODE: {', '.join(ATTACK_MODES)}); repeatable",
)
@click.option(
    "--load",
    "load_kind",
    type=click.Choice(["steady", "saturate"]),
    default="steady",
    show_default=True,
    help="steady: the built-in load, until --blocks final blocks; saturate: an open-loop load"
    " that rises step by step until p99 commit latency passes 3 s or throughput stops rising,"
    " then a py-spy profile of the busiest node (--blocks and --timeout do not apply; see"
    " benches/bench_devnet.py)",
)
@click.option(
    "--prover-workers",
    default=0,
    show_default=True,
    type=click.IntRange(0, 64),
    help="prove on a local Dask cluster (127.0.0.1) of this many prover workers (0: each node"
    " proves locally)",
)
@click.option(
    "--stake-every",
    default=0,
    show_default=True,
    type=click.IntRange(0, 1000),
    help="every Nth op of each load account is a delegate of 1 to a validator (0: transfers only)",
)
@click.option(
    "--epoch-length",
    type=click.IntRange(1, MAX_EPOCH_LENGTH),
    default=None,
    help="blocks per epoch: the set is re-elected from stake (slashed validators leave) every"
    " that many blocks; without it the genesis set stays",
)
@click.option(
    "--join",
    "join",
    default=0,
    show_default=True,
    type=int,
    help=f"N more validators (node{{V}}..) not in the genesis set join by a create_validator"
    f" transaction once the network runs, and vote from the next epoch (1 to {MAX_JOINERS};"
    " needs --epoch-length); the JSON names them by registry index, after the genesis set",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="end with one JSON line (for scripts); stopped_early is true after SIGINT or SIGTERM",
)
def devnet(
    validators: int,
    blocks: int,
    directory: Path,
    proofs: bool,
    proof_lag: int,
    base_port: int,
    timeout: float,
    attacks: tuple[str, ...],
    load_kind: str,
    prover_workers: int,
    stake_every: int,
    epoch_length: int | None,
    join: int,
    as_json: bool,
) -> None:
    """Run N validators as processes on loopback with embedded LMDB under --dir, a built-in
    transfer load sized to what the provers keep up with, and a live table; then a summary.
    SIGINT or SIGTERM stops the nodes early and still prints the summary (exit status 1)."""
    check_join(join, epoch_length, load_kind)
    if load_kind == "saturate":
        if attacks or prover_workers or epoch_length is not None:
            raise click.UsageError(
                "--byzantine, --prover-workers and --epoch-length do not apply to --load saturate"
            )
        ramp = get_mode_options(
            directory, proofs, validators=validators, base_port=base_port, proof_lag=proof_lag
        )
        _saturate(ramp, Console(stderr=as_json), as_json)
        return
    options = DevnetOptions(
        directory, validators, blocks, proofs, base_port, timeout, proof_lag=proof_lag,
        byzantine=parse_attacks(attacks, validators), prover_workers=prover_workers,
        stake_every=stake_every,
        epoch_length=epoch_length, join=join,
    )  # fmt: skip
    if prover_workers and not proofs:
        raise click.UsageError("--prover-workers needs --proofs")
    console = Console(stderr=as_json)
    _show_key_generation()
    try:
        layout = prepare_devnet(options)
    except FileExistsError as err:
        raise click.ClickException(str(err)) from err
    with Live(
        _table([], None, blocks), console=console, refresh_per_second=4, transient=as_json
    ) as live:

        def on_progress(progress: list[NodeProgress], tracker: Tracker) -> Any:
            live.update(_table(progress, tracker, blocks))

        try:
            report = asyncio.run(_run_until_signal(options, layout, on_progress))
        except NodeStartError as err:
            log = (layout.homes + layout.joiner_homes)[err.index] / "node.log"
            raise click.ClickException(f"{err}; {read_last_error(log)} (see {log})") from None
        except JoinError as err:
            raise click.ClickException(str(err)) from None
    _print_summary(console, report)
    if as_json:
        click.echo(json.dumps(report.to_json()))
    if not report.nodes_agree or report.finalized_height < blocks:
        raise SystemExit(1)


def _saturate(options: SaturationOptions, console: Console, as_json: bool) -> None:
    """``--load saturate``: the ramp's rows as they come, the result, exit 1 if it failed."""

    def say(line: str) -> None:  # plain text, never wrapped (the profile's lines are long)
        console.print(line, markup=False, highlight=False, soft_wrap=True)

    _show_key_generation()
    say(STEP_HEADER)
    try:
        report = run_saturation(options, lambda step: say(format_step(step)))
    except (FileExistsError, TimeoutError) as err:
        raise click.ClickException(str(err)) from None
    except NodeStartError as err:
        log = options.directory / f"node{err.index}" / "node.log"
        raise click.ClickException(f"{err}; {read_last_error(log)} (see {log})") from None
    for line in format_report(report):
        say(line)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(report)))
    if report.failure:
        raise SystemExit(1)
