"""What a key cache records beside each insecure proving key, and the checks a node makes of
the keys it loads against its genesis ``setup`` (:mod:`zkpov.node.state.genesis_setup`).

Re-deriving insecure keys takes seconds to a minute, so the cache keeps a record beside each
proving key (``<key>.json``): the genesis hash it was made for and its verifying key's SHA-256.
A node refuses a key whose record names another genesis, or whose embedded verifying key is not
the recorded one. The record is unkeyed: it catches a cache copied from another network or a
swapped key file, not someone who can rewrite both (insecure keys are forgeable anyway). A
ceremony key is checked against the genesis itself: its SHA-256 must be the pinned one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from zkpov.crypto import snark
from zkpov.errors import KeySetupMismatchError
from zkpov.files import write_atomic
from zkpov.node.state.genesis_setup import CeremonySetup

__all__ = [
    "check_pinned_key",
    "check_record_genesis",
    "check_record_key",
    "compute_key_sha256",
    "get_record_path",
    "write_key_record",
]

MAX_RECORD_BYTES = 4096


def compute_key_sha256(vk: snark.VerifyingKey) -> bytes:
    return hashlib.sha256(vk.to_bytes()).digest()


def get_record_path(key_path: Path) -> Path:
    return key_path.with_suffix(".json")


def write_key_record(key_path: Path, genesis_hash: bytes, vk: snark.VerifyingKey) -> None:
    """Records, atomically, that the key at ``key_path`` was made for ``genesis_hash``."""
    record = {
        "genesis_hash": genesis_hash.hex(),
        "verifying_key_sha256": compute_key_sha256(vk).hex(),
    }
    write_atomic(get_record_path(key_path), json.dumps(record).encode())


def _read_record(key_path: Path) -> dict[str, str]:
    path = get_record_path(key_path)
    try:
        with path.open("rb") as f:
            record = json.loads(f.read(MAX_RECORD_BYTES + 1)[:MAX_RECORD_BYTES])
    except (OSError, ValueError) as err:
        raise KeySetupMismatchError(
            f"proving key {key_path} has no readable record of the genesis it was made for"
            f" ({path.name}: {getattr(err, 'strerror', None) or err}); delete it to regenerate"
        ) from err
    fields = ("genesis_hash", "verifying_key_sha256")
    if not isinstance(record, dict) or not all(isinstance(record.get(k), str) for k in fields):
        raise KeySetupMismatchError(
            f"key record {path} is malformed; delete it and {key_path.name}"
        )
    return {k: record[k] for k in fields}


def check_record_genesis(key_path: Path, genesis_hash: bytes) -> None:
    """Refuses a cached insecure key made for another genesis, before it is loaded."""
    made_for = _read_record(key_path)["genesis_hash"]
    if made_for != genesis_hash.hex():
        raise KeySetupMismatchError(
            f"proving key {key_path} was made for genesis {made_for[:16]}, not this one"
            f' ({genesis_hash.hex()[:16]}), whose setup "insecure" seeds keys with its own hash'
        )


def check_record_key(key_path: Path, vk: snark.VerifyingKey) -> None:
    """Refuses a proving key whose embedded verifying key is not the one recorded beside it."""
    recorded = _read_record(key_path)["verifying_key_sha256"]
    embedded = compute_key_sha256(vk).hex()
    if embedded != recorded:
        raise KeySetupMismatchError(
            f"proving key {key_path} embeds verifying key {embedded[:16]}, not {recorded[:16]}"
            ' that its record names for this genesis (setup "insecure"); delete it'
        )


def check_pinned_key(setup: CeremonySetup, vk: snark.VerifyingKey, where: Path) -> None:
    """Refuses a verifying key whose SHA-256 is not the genesis's pinned one."""
    actual = compute_key_sha256(vk)
    if actual != setup.verifying_key_sha256:
        raise KeySetupMismatchError(
            f"verifying key of {where} has SHA-256 {actual.hex()[:16]}, not"
            f" genesis.setup.verifying_key_sha256 {setup.verifying_key_sha256.hex()[:16]}"
        )
