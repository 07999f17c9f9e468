"""``zkpov twins``: a seeded Twins search (Bano et al., 2020) for safety violations.

Each scenario runs validators of which ``--twins`` have two honest instances sharing one key,
with a seeded leader and network partition per round, then heals the network; the simulator's
invariants are checked after every step. It prints how many scenarios ran and each one with a
violation, and exits 1 if any had one (``--json``: one JSON object).
"""

from __future__ import annotations

import json

import click

from zkpov.sim.twins import run_twins

__all__ = ["twins"]


@click.command()
@click.option("--scenarios", type=click.IntRange(1, 1_000_000), default=100, show_default=True)
@click.option("--validators", "-n", type=click.IntRange(2, 16), default=4, show_default=True)
@click.option("--twins", "twinned", type=click.IntRange(0, 8), default=1, show_default=True)
@click.option("--rounds", "-r", type=click.IntRange(1, 64), default=6, show_default=True)
@click.option("--seed", "-s", type=int, default=0, show_default=True)
@click.option(
    "--epoch-length",
    type=click.IntRange(1, 64),
    default=None,
    help="Blocks per epoch, so that scenarios straddle epoch boundaries (default: one epoch).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def twins(
    scenarios: int,
    validators: int,
    twinned: int,
    rounds: int,
    seed: int,
    epoch_length: int | None,
    as_json: bool,
) -> None:
    """Run seeded Twins scenarios; report any safety violation."""
    if twinned >= validators:
        raise click.BadParameter("--twins must be below --validators", param_hint="--twins")
    ran, failures = run_twins(
        scenarios, seed=seed, rounds=rounds, validators=validators, twins=twinned,
        epoch_length=epoch_length,
    )  # fmt: skip
    if as_json:
        found = [{"seed": s.seed, "leaders": list(s.leaders), "violations": v} for s, v in failures]
        click.echo(json.dumps({"scenarios": ran, "failures": found}, sort_keys=True))
    else:
        click.echo(f"{ran} Twins scenarios, {len(failures)} with a violation")
        for scenario, violations in failures:
            click.echo(f"  seed {scenario.seed}: {'; '.join(violations)}")
    raise SystemExit(1 if failures else 0)
