"""``zkpov ceremony`` through the CLI in-process, and the smallest finished ceremony (phase 1
with three contributors and a beacon, phase 2 for batch 1, depth 2 with two and a beacon)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from zkpov.cli import main
from zkpov.crypto import snark
from zkpov.crypto.ceremony_index import INDEX_FILE

SMALL_CIRCUIT = snark.CircuitConfig(1, 2)
PHASE2_BEACON = "0a0b"
G1, G2 = 96, 192  # compressed point sizes


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["ceremony", *args])


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def get_log_size(config: snark.CircuitConfig) -> int:
    """The smallest phase 1 whose domain fits ``config``'s constraints and public inputs."""
    stats = snark.get_circuit_stats(config)
    return (stats.constraint_count + stats.public_input_count + 1 - 1).bit_length()


def build_small_ceremony(d: Path) -> None:
    """A finished ceremony for :data:`SMALL_CIRCUIT` in ``d`` (minutes on a loaded machine)."""
    ok("phase1", "new", str(d), "--log-size", str(get_log_size(SMALL_CIRCUIT)))
    for name in ("alice", "bob", "carol"):
        ok("phase1", "contribute", str(d), "--name", name)
    ok("phase1", "beacon", str(d), "--value", "00ff", "--log-iterations", "2")
    shape = ("--batch-size", str(SMALL_CIRCUIT.batch_size), "--depth", "2")
    ok("phase2", "new", str(d), *shape)
    for name in ("dave", "erin"):
        ok("phase2", "contribute", str(d), "--name", name)
    ok("phase2", "beacon", str(d), "--value", PHASE2_BEACON, "--log-iterations", "2")


def get_params(d: Path, i: int) -> tuple[bytes, str]:
    """Phase-2 contribution ``i``'s parameters and parent hash."""
    r = json.loads((d / INDEX_FILE).read_text())["phase2"]["contributions"][i]
    return (d / f"{r['output']}.bin").read_bytes(), r["parent"]


def get_a_offset(data: bytes) -> int:
    """Where the A query's points start in cache-format key bytes (`rust/groth16/keys.rs`)."""
    pos = G1 + 3 * G2
    return pos + 8 + int.from_bytes(data[pos : pos + 8], "little") * G1 + 2 * G1 + 8


def get_h_offset(data: bytes) -> int:
    """Where the H query's points start in cache-format key bytes."""
    pos = get_a_offset(data) - 8
    for size in (G1, G1, G2):
        pos += 8 + int.from_bytes(data[pos : pos + 8], "little") * size
    return pos + 8
