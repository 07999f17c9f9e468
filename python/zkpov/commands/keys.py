"""``zkpov keys``: generate key files (mode 0600) and show their public keys."""

from __future__ import annotations

from pathlib import Path

import click

from zkpov.node.ops.keys import KeyKind, generate_secret, read_key_file, write_key_file

KINDS = {"validator": KeyKind.VALIDATOR, "node": KeyKind.NODE, "account": KeyKind.ACCOUNT}


@click.group()
def keys() -> None:
    """Key files: BLS validator keys, X25519 node keys, Jubjub account keys."""


@keys.command("generate")
@click.option("--kind", type=click.Choice(sorted(KINDS)), default="validator", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="file to create")
def generate(kind: str, out: Path) -> None:
    """Create a new key file from the OS RNG (never overwrites) and print its public key."""
    if not out.parent.is_dir():
        raise click.ClickException(f"directory {out.parent} does not exist; create it first")
    try:
        key = write_key_file(out, KINDS[kind], generate_secret(KINDS[kind]))
    except FileExistsError as err:
        raise click.ClickException(f"{out} exists; refusing to overwrite a key") from err
    click.echo(key.public.hex())


@keys.command("show")
@click.option("--kind", type=click.Choice(sorted(KINDS)), default="validator", show_default=True)
@click.argument("path", type=click.Path(path_type=Path))
def show(kind: str, path: Path) -> None:
    """Print the public key of a key file (the secret is never printed)."""
    try:
        click.echo(read_key_file(path, KINDS[kind]).public.hex())
    except ValueError as err:
        raise click.ClickException(str(err)) from err
