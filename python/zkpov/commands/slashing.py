"""``zkpov slashing export|import``: move a validator's signing history (EIP-3076 interchange).

Export before moving a validator key to another machine, import there before its first start:
the slashing database then refuses to sign anything the key already signed, or anything at or
below the imported history (:mod:`zkpov.storage.slashing_db`). A file for another chain's
genesis is refused.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from zkpov.errors import ZkpovError

if TYPE_CHECKING:
    from zkpov.storage.slashing_db import SlashingDB

_HOME = click.option("--home", type=click.Path(path_type=Path), required=True)


@click.group()
def slashing() -> None:
    """Slashing protection: export and import the signing history (EIP-3076 interchange)."""


@slashing.command("export")
@_HOME
@click.option("--output", type=click.Path(path_type=Path), required=True, help="file to create")
def export(home: Path, output: Path) -> None:
    """Write the whole signing history of --home to --output (never overwrites)."""
    if output.exists():
        raise click.ClickException(f"{output} exists; refusing to overwrite it")
    try:
        with _open_db(home) as db:
            text = db.export_interchange()
        _write_new(output, text.encode())
    except (OSError, ZkpovError) as err:
        raise click.ClickException(_describe(err)) from err
    click.echo(f"exported the slashing-protection history to {output}")


@slashing.command("import")
@_HOME
@click.option("--input", "source", type=click.Path(path_type=Path), required=True)
def import_(home: Path, source: Path) -> None:
    """Merge the interchange file --input into the slashing database of --home."""
    from zkpov.storage.slashing_interchange import MAX_INTERCHANGE_BYTES

    try:
        with source.open("rb") as file:
            data = file.read(MAX_INTERCHANGE_BYTES + 1)
        with _open_db(home) as db:
            added, raised = db.import_interchange(data)
    except (OSError, ZkpovError) as err:
        raise click.ClickException(_describe(err)) from err
    click.echo(f"imported {added} new records; {raised} low watermarks rose")


def _open_db(home: Path) -> SlashingDB:
    """The existing, checked slashing database of ``home`` (never creates one)."""
    from zkpov.node.ops.config import load_node_config
    from zkpov.node.state.genesis import compute_genesis_hash, read_genesis
    from zkpov.node.state.stores import get_slashing_path
    from zkpov.storage.slashing_db import SlashingDB

    config = load_node_config(home)
    genesis_hash = compute_genesis_hash(read_genesis(config.get_path(config.genesis_file)))
    return SlashingDB(get_slashing_path(config.get_path(config.db_dir)), genesis_hash, create=False)


def _write_new(path: Path, data: bytes) -> None:
    """Writes ``path`` whole or not at all: a temp file, fsynced, then hard-linked as ``path``,
    which fails if anything already has that name (a rename would replace it, even a device)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _describe(err: BaseException) -> str:
    if isinstance(err, OSError):
        return f"{err.filename or 'file'}: {err.strerror or err}"
    return str(err)
