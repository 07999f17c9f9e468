"""``zkpov circuit info``: size the transfer-batch circuit without running a setup.

Each line is ``name: value``. ``constraint_count``, ``witness_count``, ``public_input_count`` and
``proving_key_size`` (compressed bytes, computed from the synthesized dimensions) describe the
whole circuit; ``poseidon`` (a t=3 permutation), ``poseidon_wide`` (t=5), ``merkle_path`` (one
4-ary path of the configured depth), ``signature`` (one Schnorr verification, its canonical-``s``
check included), ``range_check`` (one 64-bit check), ``recipient_key`` (the recipient key's
subgroup and non-identity check) and ``canonical_scalar`` (``s < r_J``) are per gadget;
``constraints_per_transfer`` is what one more slot adds.
"""

from __future__ import annotations

from dataclasses import asdict

import click

from zkpov.commands.circuit_vk import export_vk, verify_proof
from zkpov.crypto import snark


@click.group()
def circuit() -> None:
    """Inspect the validity-proof circuit."""


def format_info(config: snark.CircuitConfig) -> list[str]:
    stats = snark.get_circuit_stats(config)
    lines = [
        f"circuit_id: {config.circuit_id}",
        f"batch_size: {config.batch_size}",
        f"tree_depth: {config.tree_depth}",
    ]
    return lines + [f"{name}: {value}" for name, value in asdict(stats).items()]


@circuit.command()
@click.option(
    "--batch-size", type=click.IntRange(min=1), default=snark.DEFAULT_BATCH_SIZE, show_default=True
)
@click.option(
    "--depth", type=click.IntRange(min=2), default=snark.DEFAULT_TREE_DEPTH, show_default=True
)
def info(batch_size: int, depth: int) -> None:
    """Print constraint, witness and key-size counts, one `name: value` per line."""
    try:
        config = snark.CircuitConfig(batch_size, depth)
    except (ValueError, OverflowError) as exc:
        raise click.UsageError(str(exc)) from exc
    for line in format_info(config):
        click.echo(line)


circuit.add_command(export_vk)
circuit.add_command(verify_proof)
