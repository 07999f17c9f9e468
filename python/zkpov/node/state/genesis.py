"""The genesis document (``genesis.json``): chain id, consensus parameters, the first validator
set with proofs of possession, funded accounts, the validity-proof circuit, and how its keys were
made (``setup``: :mod:`zkpov.node.state.genesis_setup`).

Decoding is strict and capped (``GenesisError``, a ``DecodeError``): unknown fields, wrong types,
bad hex, a key without a valid proof of possession, duplicate keys, or more validators or accounts
than the caps all fail with a message saying what was wrong. Every node of a chain must hold the
same document; ``compute_genesis_hash`` (SHA-256 of the canonical JSON) identifies it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from zkpov.chain.state import compute_account_index
from zkpov.config import ConfigError, ConsensusConfig
from zkpov.crypto import bls
from zkpov.errors import DecodeError
from zkpov.node.state.genesis_setup import (
    INSECURE_SETUP,
    GenesisSetup,
    GenesisSetupError,
    InsecureSetup,
    decode_setup,
    encode_setup,
)

__all__ = [
    "MAX_EPOCH_LENGTH",
    "AccountAllocation",
    "Genesis",
    "GenesisError",
    "GenesisValidator",
    "compute_genesis_hash",
    "decode_genesis",
    "encode_genesis",
    "read_genesis",
]

MAX_GENESIS_BYTES = 16 * 1024 * 1024
MAX_VALIDATORS = 1000
MAX_ACCOUNTS = 100_000
MAX_CHAIN_ID_LEN = 64
MAX_EPOCH_LENGTH = 2**32  # blocks per epoch when the genesis turns epochs on


class GenesisError(DecodeError):
    """A genesis document that does not decode or is not acceptable."""


@dataclass(frozen=True)
class GenesisValidator:
    name: str
    bls_public_key: bytes
    proof_of_possession: bytes
    stake: int


@dataclass(frozen=True)
class AccountAllocation:
    public_key: bytes  # Jubjub Schnorr public key (32 bytes, compressed)
    balance: int


@dataclass(frozen=True)
class Genesis:
    chain_id: str
    genesis_time: str
    consensus: ConsensusConfig
    validators: tuple[GenesisValidator, ...]
    accounts: tuple[AccountAllocation, ...]
    circuit_batch_size: int
    circuit_tree_depth: int
    test_network: bool = False  # attack modes run only here; in the JSON (and hash) only if true
    setup: GenesisSetup = INSECURE_SETUP  # how the Groth16 keys were made (genesis_setup.py)
    # the validator set changes every ``consensus.epoch_length`` blocks; in the JSON (and hash)
    # only if true, so that every genesis from before keeps one epoch, its bytes and its hash
    epochs: bool = False

    @property
    def epoch_length(self) -> int | None:
        """Blocks per epoch, or None: one epoch, the genesis set for the chain's life."""
        return self.consensus.epoch_length if self.epochs else None


def _consensus_to_json(config: ConsensusConfig) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        out[f.name] = str(value) if isinstance(value, Fraction) else value
    return out


def encode_genesis(genesis: Genesis) -> str:
    """Canonical JSON (sorted keys, no whitespace variance), with its ``setup`` always written."""
    doc = _to_json(genesis)
    doc["setup"] = encode_setup(genesis.setup)
    return json.dumps(doc, sort_keys=True, indent=1)


def _to_json(genesis: Genesis) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "chain_id": genesis.chain_id,
        "genesis_time": genesis.genesis_time,
        "consensus": _consensus_to_json(genesis.consensus),
        "circuit": {
            "batch_size": genesis.circuit_batch_size,
            "tree_depth": genesis.circuit_tree_depth,
        },
        "validators": [
            {
                "name": v.name,
                "bls_public_key": v.bls_public_key.hex(),
                "proof_of_possession": v.proof_of_possession.hex(),
                "stake": v.stake,
            }
            for v in genesis.validators
        ],
        "accounts": [
            {"public_key": a.public_key.hex(), "balance": a.balance} for a in genesis.accounts
        ],
    }
    if genesis.test_network:  # absent when false: every earlier genesis keeps its hash
        doc["test_network"] = True
    if genesis.epochs:  # likewise
        doc["epochs"] = True
    return doc


def compute_genesis_hash(genesis: Genesis) -> bytes:
    """SHA-256 of the canonical JSON, where an insecure ``setup`` is left out: the insecure
    keys are seeded by this hash, and every genesis from before the field keeps its hash."""
    doc = _to_json(genesis)
    if not isinstance(genesis.setup, InsecureSetup):
        doc["setup"] = encode_setup(genesis.setup)
    return hashlib.sha256(json.dumps(doc, sort_keys=True, indent=1).encode()).digest()


def _get(doc: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(doc, dict) or key not in doc:
        raise GenesisError(f"{where}: missing field {key!r}")
    value = doc[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise GenesisError(f"{where}.{key}: expected {kind.__name__}")
    return value


def _only(doc: dict[str, Any], keys: set[str], where: str) -> None:
    unknown = set(doc) - keys
    if unknown:
        raise GenesisError(f"{where}: unknown fields {sorted(unknown)}")


def _hex(doc: Any, key: str, size: int, where: str) -> bytes:
    try:
        value = bytes.fromhex(_get(doc, key, str, where))
    except ValueError as err:
        raise GenesisError(f"{where}.{key}: not hex") from err
    if len(value) != size:
        raise GenesisError(f"{where}.{key}: expected {size} bytes, got {len(value)}")
    return value


def _decode_validator(doc: Any, where: str) -> GenesisValidator:
    _only(
        doc if isinstance(doc, dict) else {},
        {"name", "bls_public_key", "proof_of_possession", "stake"},
        where,
    )
    pk = _hex(doc, "bls_public_key", bls.PUBLIC_KEY_BYTES, where)
    pop = _hex(doc, "proof_of_possession", bls.SIGNATURE_BYTES, where)
    if not bls.pop_verify(pk, pop):
        raise GenesisError(f"{where}: proof of possession does not verify for this key")
    stake = _get(doc, "stake", int, where)
    if stake <= 0:
        raise GenesisError(f"{where}.stake: must be positive")
    return GenesisValidator(_get(doc, "name", str, where)[:64], pk, pop, stake)


def _decode_account(doc: Any, where: str) -> AccountAllocation:
    _only(doc if isinstance(doc, dict) else {}, {"public_key", "balance"}, where)
    balance = _get(doc, "balance", int, where)
    if not 0 <= balance < 2**64:
        raise GenesisError(f"{where}.balance: must fit in 64 bits")
    return AccountAllocation(_hex(doc, "public_key", 32, where), balance)


def _decode_list(doc: Any, key: str, cap: int) -> list[Any]:
    items: list[Any] = _get(doc, key, list, "genesis")
    if len(items) > cap:
        raise GenesisError(f"genesis.{key}: at most {cap} entries, got {len(items)}")
    return items


def _decode_consensus(doc: Any) -> ConsensusConfig:
    params = _get(doc, "consensus", dict, "genesis")
    known = {f.name for f in dataclasses.fields(ConsensusConfig)}
    _only(params, known, "genesis.consensus")
    try:
        return ConsensusConfig(**params)
    except (ConfigError, TypeError) as err:
        raise GenesisError(f"genesis.consensus: {err}") from err


def _decode_circuit(doc: Any) -> tuple[int, int]:
    circuit = _get(doc, "circuit", dict, "genesis")
    _only(circuit, {"batch_size", "tree_depth"}, "genesis.circuit")
    batch = _get(circuit, "batch_size", int, "genesis.circuit")
    depth = _get(circuit, "tree_depth", int, "genesis.circuit")
    if not (1 <= batch <= 1024 and 2 <= depth <= 64):
        raise GenesisError(
            "genesis.circuit: batch_size must be in [1, 1024], tree_depth in [2, 64]"
        )
    return batch, depth


def _decode_test_network(doc: dict[str, Any]) -> bool:
    """Only ``true`` may be written: a false mark would give one genesis two hashes."""
    if "test_network" not in doc:
        return False
    if doc["test_network"] is not True:
        raise GenesisError("genesis.test_network: only true may be written (omit it otherwise)")
    return True


def _decode_epochs(doc: dict[str, Any], consensus: ConsensusConfig) -> bool:
    """Only ``true`` may be written (as ``test_network``); it puts ``consensus.epoch_length``
    in force, which must then be at most ``MAX_EPOCH_LENGTH``."""
    if "epochs" not in doc:
        return False
    if doc["epochs"] is not True:
        raise GenesisError("genesis.epochs: only true may be written (omit it otherwise)")
    if consensus.epoch_length > MAX_EPOCH_LENGTH:
        raise GenesisError(
            f"genesis.consensus.epoch_length: at most {MAX_EPOCH_LENGTH} blocks with epochs on"
        )
    return True


def _decode_setup(doc: dict[str, Any]) -> GenesisSetup:
    """A genesis without ``setup`` is from before the field: its keys are insecure."""
    if "setup" not in doc:
        return INSECURE_SETUP
    try:
        return decode_setup(doc["setup"])
    except GenesisSetupError as err:
        raise GenesisError(str(err)) from err


def _check_unique(genesis: Genesis) -> None:
    keys = [v.bls_public_key for v in genesis.validators]
    if not keys or len(set(keys)) != len(keys):
        raise GenesisError("genesis.validators: at least one, and no key twice")
    accounts = [a.public_key for a in genesis.accounts]
    if len(set(accounts)) != len(accounts):
        raise GenesisError("genesis.accounts: an account key appears twice")
    _check_account_indices(accounts, genesis.circuit_tree_depth)


def _check_account_indices(keys: list[bytes], depth: int) -> None:
    """Each account lives at ``compute_account_index(key, depth)``: two keys may not share one."""
    seen: dict[int, int] = {}
    for i, key in enumerate(keys):
        index = compute_account_index(key, depth)
        if index in seen:
            raise GenesisError(
                f"genesis.accounts[{seen[index]}] and [{i}] map to the same account index"
                f" {index} at tree depth {depth}: fund another key"
            )
        seen[index] = i


def decode_genesis(data: bytes | str) -> Genesis:
    """Parses and validates a genesis document."""
    if len(data) > MAX_GENESIS_BYTES:
        raise GenesisError(f"genesis document larger than {MAX_GENESIS_BYTES} bytes")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as err:
        raise GenesisError(f"genesis is not JSON: {err}") from err
    _only(
        doc if isinstance(doc, dict) else {},
        {"chain_id", "genesis_time", "consensus", "circuit", "validators", "accounts"}
        | {"test_network", "setup", "epochs"},
        "genesis",
    )
    chain_id = _get(doc, "chain_id", str, "genesis")
    if not 0 < len(chain_id) <= MAX_CHAIN_ID_LEN:
        raise GenesisError(f"genesis.chain_id: 1 to {MAX_CHAIN_ID_LEN} characters")
    batch, depth = _decode_circuit(doc)
    consensus = _decode_consensus(doc)
    genesis = Genesis(
        chain_id=chain_id,
        genesis_time=_get(doc, "genesis_time", str, "genesis")[:64],
        consensus=consensus,
        validators=tuple(
            _decode_validator(v, f"genesis.validators[{i}]")
            for i, v in enumerate(_decode_list(doc, "validators", MAX_VALIDATORS))
        ),
        accounts=tuple(
            _decode_account(a, f"genesis.accounts[{i}]")
            for i, a in enumerate(_decode_list(doc, "accounts", MAX_ACCOUNTS))
        ),
        circuit_batch_size=batch,
        circuit_tree_depth=depth,
        test_network=_decode_test_network(doc),
        setup=_decode_setup(doc),
        epochs=_decode_epochs(doc, consensus),
    )
    _check_unique(genesis)
    return genesis


def read_genesis(path: Path) -> Genesis:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_GENESIS_BYTES + 1)
    except OSError as err:
        raise GenesisError(f"cannot read genesis {path}: {err.strerror}") from err
    return decode_genesis(data)
