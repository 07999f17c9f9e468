"""``zkpov circuit export-vk`` and ``zkpov circuit verify``: the verifying key for other tools.

``export-vk --genesis FILE --out vk.json`` writes the devnet key of that genesis (the node's
seeded setup: ``node/ops/key_cache.py``) as ``zkpov-groth16-vk/1`` JSON (``crypto/vk_json.py``).
``verify --vk vk.json --proof HEX --inputs A,B,C`` checks a proof against such a file, as
``snarkjs groth16 verify`` does for its own: it prints ``OK`` and exits 0, or prints ``invalid
proof`` and exits 1.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click

from zkpov.crypto import snark, vk_json
from zkpov.errors import DecodeError, VerificationError
from zkpov.files import write_atomic
from zkpov.node.ops.key_cache import load_circuit_keys
from zkpov.node.state.genesis import compute_genesis_hash, read_genesis

__all__ = ["export_vk", "verify_proof"]

MAX_VK_FILE_BYTES = 1 << 20


def get_genesis_vk(genesis_path: Path, key_cache: Path | None) -> vk_json.VerifyingKeyPoints:
    """The verifying key a devnet node of ``genesis_path`` uses (generated if not cached)."""
    genesis = read_genesis(genesis_path)
    config = snark.CircuitConfig(genesis.circuit_batch_size, genesis.circuit_tree_depth)
    with tempfile.TemporaryDirectory(prefix="zkpov-keys-") as scratch:
        cache = key_cache if key_cache is not None else Path(scratch)
        _, vk = load_circuit_keys(
            config.batch_size,
            config.tree_depth,
            cache,
            compute_genesis_hash(genesis),
            genesis.setup,
        )
    return vk_json.get_vk_points(vk, config.circuit_id)


def read_vk_file(path: Path) -> vk_json.VerifyingKeyPoints:
    with path.open("rb") as f:
        data = f.read(MAX_VK_FILE_BYTES + 1)
    if len(data) > MAX_VK_FILE_BYTES:
        raise DecodeError(f"{path} is larger than {MAX_VK_FILE_BYTES} bytes")
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DecodeError(f"{path} is not JSON: {exc}") from exc
    return vk_json.decode_vk_json(doc)


@click.command("export-vk")
@click.option("--genesis", "genesis_path", type=click.Path(path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option(
    "--key-cache",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The nodes' key cache directory; without it the key is generated (a minute).",
)
def export_vk(genesis_path: Path, out: Path, key_cache: Path | None) -> None:
    """Write the genesis's verifying key as zkpov-groth16-vk/1 JSON (hex coordinates)."""
    points = get_genesis_vk(genesis_path, key_cache)
    write_atomic(out, (json.dumps(vk_json.encode_vk_json(points), indent=1) + "\n").encode())
    click.echo(f"wrote {out} (circuit {points.circuit_id}, key sha256 {points.key_sha256})")


def parse_inputs(text: str) -> list[int]:
    """Comma-separated public inputs, decimal or 0x hex."""
    try:
        return [int(part.strip(), 0) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise click.BadParameter("expected comma-separated integers (decimal or 0x hex)") from exc


def parse_hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text.removeprefix("0x"))
    except ValueError as exc:
        raise click.BadParameter("expected hex bytes") from exc


@click.command("verify")
@click.option("--vk", "vk_path", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option("--proof", required=True, help="The 192-byte proof, hex.")
@click.option("--inputs", required=True, help="Public inputs, comma-separated.")
def verify_proof(vk_path: Path, proof: str, inputs: str) -> None:
    """Check a proof against a zkpov-groth16-vk/1 file: OK (exit 0) or invalid proof (exit 1)."""
    points = read_vk_file(vk_path)
    values = parse_inputs(inputs)
    if len(values) != points.public_input_count:
        raise VerificationError(
            f"the key takes {points.public_input_count} public inputs, got {len(values)}"
        )
    if not snark.verify(points.key, values, parse_hex(proof)):
        click.echo("invalid proof")
        sys.exit(1)
    click.echo("OK")
