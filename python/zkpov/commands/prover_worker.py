"""``zkpov prover-worker --scheduler HOST:PORT --keys DIR``: a Dask worker that proves batches for
nodes configured with ``prover = "dask://HOST:PORT"`` (:mod:`zkpov.node.proving.dask_prover`).

It loads proving keys from the key-cache directory ``DIR`` by the SHA-256 each job names, once
per process, and refuses a job whose key it lacks. It runs one job at a time (a proof uses every
core the process may: pin it with ``taskset`` to share a machine) and listens on ``--host``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from zkpov.node.ops.config import format_address, parse_address

__all__ = ["prover_worker"]


@click.command("prover-worker")
@click.option("--scheduler", required=True, help="The Dask scheduler's HOST:PORT.")
@click.option(
    "--keys",
    "keys_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A key-cache directory (a node's data/circuit-keys).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Where the worker listens.")
def prover_worker(scheduler: str, keys_dir: Path, host: str) -> None:
    """Prove batches for a Dask-backed node until the scheduler goes away."""
    address = format_address(parse_address(scheduler.removeprefix("tcp://"), "--scheduler"))
    from zkpov.node.proving.dask_worker import run_worker  # Dask: about 1 s, only for workers

    asyncio.run(run_worker(f"tcp://{address}", keys_dir, host))
