"""``zkpov ceremony``: run or check a multi-party trusted setup for the transfer circuit.

Each command is a thin layer over :mod:`zkpov.crypto.ceremony_transcript` on a ceremony
directory (``transcript.json`` plus accumulator and parameter files named by their SHA-256).
A contribution's entropy comes from the OS, mixed with text typed at a hidden prompt when
``--entropy-prompt`` is given; its secrets never leave the native code. ``verify`` and ``export``
walk the whole transcript from the start. Mistakes are one line and a non-zero exit.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import click

from zkpov.crypto import ceremony_transcript as ct
from zkpov.crypto import snark
from zkpov.crypto.ceremony import Beacon
from zkpov.errors import CeremonyError
from zkpov.node.ops.key_cache import install_ceremony_key
from zkpov.node.ops.lock import hold_file_lock, read_holder_pid

DIR = click.argument("directory", type=click.Path(path_type=Path))
NAME = click.option("--name", default="anonymous", show_default=True, help="who contributes")
COMMENT = click.option("--comment", default="", help="published with the contribution")
LOCK_FILE = "ceremony.lock"
ENTROPY = click.option(
    "--entropy-prompt", is_flag=True, help="also mix in text typed at a hidden prompt"
)


def _entropy(prompt: bool) -> bytes:
    if not prompt:
        return b""
    return str(click.prompt("extra entropy", hide_input=True)).encode()


def _check_text(name: str, comment: str) -> None:
    if len(name) > 128 or len(comment) > 1024:
        raise click.UsageError("--name is at most 128 characters, --comment at most 1024")


@contextlib.contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """One writer at a time: a second contribution would otherwise overwrite the first's record."""
    if not directory.is_dir():
        raise CeremonyError(f"cannot read {directory}: not a ceremony directory")
    path = directory / LOCK_FILE
    with hold_file_lock(path, wait=False) as held:
        if not held:
            pid = read_holder_pid(path)
            raise CeremonyError(f"{directory} is in use by another ceremony command (pid {pid})")
        yield


@click.group()
def ceremony() -> None:
    """A multi-party trusted setup: phase 1 (powers of tau), phase 2 (the circuit's keys)."""


@ceremony.group()
def phase1() -> None:
    """Powers of tau, shared by every circuit up to its size."""


@phase1.command("new")
@DIR
@click.option("--log-size", type=click.IntRange(1, 21), default=16, show_default=True)
def phase1_new(directory: Path, log_size: int) -> None:
    """Create DIRECTORY (which must not exist) with the starting accumulator of 2^LOG_SIZE."""
    ct.create(directory, log_size)
    click.echo(f"phase 1 of size 2^{log_size} started in {directory}")


@phase1.command("contribute")
@DIR
@NAME
@COMMENT
@ENTROPY
def phase1_contribute(directory: Path, name: str, comment: str, entropy_prompt: bool) -> None:
    """Multiply fresh secrets into the latest accumulator; print the record hash."""
    _check_text(name, comment)
    entropy = _entropy(entropy_prompt)
    with exclusive(directory):
        click.echo(ct.add_phase1(directory, name, comment, entropy).hex())


BEACON_VALUE = click.option("--value", required=True, help="the public beacon value, hex")
BEACON_ITERATIONS = click.option(
    "--log-iterations", type=click.IntRange(0, 42), default=20, show_default=True
)


def _beacon(value: str, log_iterations: int) -> Beacon:
    try:
        raw = bytes.fromhex(value)
    except ValueError as err:
        raise click.UsageError("--value must be hex") from err
    if not 0 < len(raw) <= 1024:
        raise click.UsageError("--value must be 1 to 1024 bytes")
    return Beacon(raw, log_iterations)


@phase1.command("beacon")
@DIR
@BEACON_VALUE
@BEACON_ITERATIONS
def phase1_beacon(directory: Path, value: str, log_iterations: int) -> None:
    """Close phase 1 with a contribution derived from a public random value."""
    beacon = _beacon(value, log_iterations)
    with exclusive(directory):
        click.echo(ct.add_beacon(directory, beacon).hex())


@phase1.command("verify")
@DIR
def phase1_verify(directory: Path) -> None:
    """Verify every phase-1 contribution from the start; print the chain's last hash."""
    click.echo(ct.verify_transcript(directory, phase2=False).transcript_sha256.hex())


@ceremony.group()
def phase2() -> None:
    """The transfer circuit's keys: delta contributions on the final phase 1."""


@phase2.command("new")
@DIR
@click.option("--batch-size", type=click.IntRange(1, 1024), default=snark.DEFAULT_BATCH_SIZE)
@click.option("--depth", type=click.IntRange(2, 64), default=snark.DEFAULT_TREE_DEPTH)
def phase2_new(directory: Path, batch_size: int, depth: int) -> None:
    """Begin phase 2 for the circuit of BATCH_SIZE transfers at DEPTH."""
    with exclusive(directory):
        ct.start_phase2(directory, ct.get_config(batch_size, depth))
    click.echo(f"phase 2 started for batch {batch_size}, depth {depth}")


@phase2.command("contribute")
@DIR
@NAME
@COMMENT
@ENTROPY
def phase2_contribute(directory: Path, name: str, comment: str, entropy_prompt: bool) -> None:
    """Multiply a fresh delta into the latest parameters; print the record hash."""
    _check_text(name, comment)
    entropy = _entropy(entropy_prompt)
    with exclusive(directory):
        click.echo(ct.add_phase2(directory, name, comment, entropy).hex())


@phase2.command("beacon")
@DIR
@BEACON_VALUE
@BEACON_ITERATIONS
def phase2_beacon(directory: Path, value: str, log_iterations: int) -> None:
    """Close phase 2 with a delta derived from a public random value."""
    beacon = _beacon(value, log_iterations)
    with exclusive(directory):
        click.echo(ct.add_phase2_beacon(directory, beacon).hex())


@phase2.command("verify")
@DIR
def phase2_verify(directory: Path) -> None:
    """Verify both phases from the start; print the transcript's last hash."""
    click.echo(ct.verify_transcript(directory).transcript_sha256.hex())


@phase2.command("export")
@DIR
@click.option("--cache-dir", type=click.Path(path_type=Path), required=True)
def phase2_export(directory: Path, cache_dir: Path) -> None:
    """Verify, then install the keys into a node's key cache; print the genesis `setup`."""
    pk, transcript_sha256 = ct.get_final_key(directory)
    click.echo(json.dumps(install_ceremony_key(cache_dir, pk, transcript_sha256)))
