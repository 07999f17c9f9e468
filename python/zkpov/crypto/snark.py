"""Groth16 validity proofs over BLS12-381 for batches of signed transfers (and, since circuit
version 5, staking ops and payouts: :mod:`zkpov.chain.operations`).

The circuit (``rust/circuits``) proves that ``transfers`` take the account root from
``pre_root`` to ``post_root``; its public inputs are ``[pre_root, post_root, commitment]`` where
``commitment`` folds each operation's message and signature bytes with Poseidon (see
:mod:`zkpov.chain.state`). A cached proving key's verifying key, beta and delta
are checked on the curve and in the prime-order subgroups when it loads; its query points on the
curve (``rust/groth16/keys.rs`` says why).

* :func:`insecure_setup` derives the keys from a seed: whoever knows the seed can forge proofs.
  It is for tests and devnets; production keys come from a multi-party phase-2 ceremony.
* :func:`prove` runs the native rules first (a bad transfer raises ``ProofError`` before any
  constraint is built), proves with the GIL released, and checks the proof before returning
  it. Each proof synthesizes only its assignment; the constraint matrices are built once per key
  (or loaded from the key cache) and kept in compact form. The FFTs run on rayon's pool
  (``RAYON_NUM_THREADS`` sets its size); the multi-scalar multiplications, most of the time, run
  on blst's own pool of one thread per CPU, which ``RAYON_NUM_THREADS`` does not limit.
* :func:`extract_witness` takes from a state only what one batch's proof needs (the pre-state
  root, the chain tag, each touched account and its Merkle path: versioned bytes, at most 8 MiB),
  and :func:`prove_with_witness` proves from those bytes alone, so a remote prover never holds
  the state. Both paths give the same public inputs; a witness whose paths do not reach its root
  is a ``DecodeError``.
* :func:`verify` uses a prepared verifying key, on the calling thread; :func:`batch_verify`
  checks n proofs with n + 2 Miller loops and one final exponentiation (random linear
  combination: 128-bit weights, the last chosen so that they sum to one), its Miller loops on
  rayon's pool. Both run on blst's pairing (``rust/groth16/verifier.rs``); setup uses arkworks,
  proving arkworks' constraint synthesis with blst's multi-scalar multiplication
  (``rust/groth16/prover.rs``).
* Proofs are 192 compressed bytes; verifying keys 536. Decoding checks the curve and subgroups
  and raises ``DecodeError``. Keys and constraint matrices are cached on disk by circuit id with
  a SHA-256 check.

Groth16 is not post-quantum: its security rests on pairings, which a quantum computer breaks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from zkpov import _native
from zkpov.errors import DecodeError
from zkpov.files import write_atomic

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_TREE_DEPTH",
    "PROOF_BYTES",
    "CircuitConfig",
    "CircuitStats",
    "ProvingKey",
    "PublicInputs",
    "VerifyingKey",
    "batch_verify",
    "extract_witness",
    "get_cache_path",
    "get_circuit_stats",
    "insecure_setup",
    "load_cached_key",
    "load_or_create_insecure_keys",
    "prove",
    "prove_with_witness",
    "read_cache_hash",
    "verify",
    "write_cached_key",
]

DEFAULT_BATCH_SIZE = 2
"""Two transfers at depth 32 are 55k constraints: the largest batch in a 2^16 FFT domain."""
DEFAULT_TREE_DEPTH = 32
PROOF_BYTES = 192
_CACHE_MAGIC = b"ZKPOV-PK-1\n"
_MATRICES_MAGIC = b"ZKPOV-R1CS-1\n"


@dataclass(frozen=True)
class CircuitConfig:
    """The transfer-batch circuit's shape: transfers per proof, account-tree depth in bits."""

    batch_size: int = DEFAULT_BATCH_SIZE
    tree_depth: int = DEFAULT_TREE_DEPTH

    def __post_init__(self) -> None:
        _native.circuit_id(self.batch_size, self.tree_depth)  # validates (ValueError)

    @property
    def circuit_id(self) -> str:
        """SHA-256 (hex) of the config and the circuit version."""
        return _native.circuit_id(self.batch_size, self.tree_depth)


@dataclass(frozen=True)
class PublicInputs:
    pre_root: int
    post_root: int
    commitment: int

    def as_list(self) -> list[int]:
        return [self.pre_root, self.post_root, self.commitment]


@dataclass(frozen=True)
class CircuitStats:
    """Counts from synthesizing the circuit (``zkpov circuit info`` prints them)."""

    constraint_count: int
    witness_count: int
    public_input_count: int
    proving_key_size: int
    constraints_per_transfer: int
    poseidon: int
    poseidon_wide: int
    merkle_path: int
    signature: int
    range_check: int
    recipient_key: int
    canonical_scalar: int


class VerifyingKey:
    """A decoded, prepared verifying key."""

    def __init__(self, native: _native.Groth16VerifyingKey) -> None:
        self._native = native

    @classmethod
    def from_bytes(cls, data: bytes) -> VerifyingKey:
        return cls(_native.Groth16VerifyingKey(data))

    def to_bytes(self) -> bytes:
        return self._native.to_bytes()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VerifyingKey) and other.to_bytes() == self.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())


class ProvingKey:
    """A proving key for one :class:`CircuitConfig`."""

    def __init__(self, config: CircuitConfig, native: _native.Groth16ProvingKey) -> None:
        self.config = config
        self._native = native
        self.verifying_key = VerifyingKey(native.verifying_key())

    def to_bytes(self) -> bytes:
        """Uncompressed cache bytes; load them only through the integrity-checked cache."""
        return self._native.to_bytes()

    @classmethod
    def from_bytes(cls, config: CircuitConfig, data: bytes) -> ProvingKey:
        native = _native.Groth16ProvingKey.from_bytes(config.batch_size, config.tree_depth, data)
        return cls(config, native)

    def matrices_to_bytes(self) -> bytes:
        """The circuit's constraint matrices (built now if the key has none yet: the first proof
        builds them otherwise). Load them only through the integrity-checked cache."""
        return self._native.matrices_to_bytes()

    def load_matrices(self, data: bytes) -> None:
        """Matrices from :meth:`matrices_to_bytes`; ``DecodeError`` if they do not fit."""
        self._native.load_matrices(data)


class AccountTreeHolder(Protocol):
    """What :func:`prove` needs of a pre-state (``zkpov.chain.state.AccountState``)."""

    @property
    def native(self) -> _native.AccountTree: ...

    chain_tag: int


class EncodableTransfer(Protocol):
    def to_bytes(self) -> bytes: ...


def insecure_setup(config: CircuitConfig, seed: bytes) -> tuple[ProvingKey, VerifyingKey]:
    """Keys from a seeded RNG. INSECURE: the seed is the trapdoor. Tests and devnets only."""
    native = _native.groth16_insecure_setup(config.batch_size, config.tree_depth, seed)
    pk = ProvingKey(config, native)
    return pk, pk.verifying_key


def prove(
    pk: ProvingKey, pre_state: AccountTreeHolder, transfers: Sequence[EncodableTransfer]
) -> tuple[bytes, PublicInputs]:
    """Proves that ``transfers`` (at most ``batch_size`` operations of any kind: transfers,
    staking ops, payouts, :mod:`zkpov.chain.operations`) apply to ``pre_state``; the state is
    not modified. ``ProofError`` if one breaks a rule or the batch does not fit."""
    encoded = [t.to_bytes() for t in transfers]
    proof, inputs = _native.groth16_prove(
        pk._native, pre_state.native, encoded, pre_state.chain_tag
    )
    return proof, PublicInputs(*inputs)


def extract_witness(pre_state: AccountTreeHolder, transfers: Sequence[EncodableTransfer]) -> bytes:
    """The witness bytes :func:`prove_with_witness` needs for ``transfers`` from ``pre_state``."""
    encoded = [t.to_bytes() for t in transfers]
    return pre_state.native.extract_witness(encoded, pre_state.chain_tag)


def prove_with_witness(
    pk: ProvingKey, witness: bytes, transfers: Sequence[bytes]
) -> tuple[bytes, PublicInputs]:
    """:func:`prove` from :func:`extract_witness` bytes and encoded transfers, the GIL released
    throughout. ``DecodeError`` for malformed or inconsistent witness bytes, ``ProofError`` if a
    transfer breaks a rule."""
    proof, inputs = _native.groth16_prove_with_witness(pk._native, witness, list(transfers))
    return proof, PublicInputs(*inputs)


def _as_list(public_inputs: PublicInputs | Sequence[int]) -> list[int]:
    if isinstance(public_inputs, PublicInputs):
        return public_inputs.as_list()
    return list(public_inputs)


def verify(vk: VerifyingKey, public_inputs: PublicInputs | Sequence[int], proof: bytes) -> bool:
    """True iff the proof is valid; ``DecodeError`` for undecodable proofs or inputs."""
    return vk._native.verify(_as_list(public_inputs), proof)


def batch_verify(
    vk: VerifyingKey, items: Iterable[tuple[PublicInputs | Sequence[int], bytes]]
) -> bool:
    """True iff every proof is valid (up to 2^-128); n + 2 Miller loops, one final exp."""
    return vk._native.batch_verify([(_as_list(inputs), proof) for inputs, proof in items])


def get_circuit_stats(config: CircuitConfig) -> CircuitStats:
    return CircuitStats(**_native.circuit_stats(config.batch_size, config.tree_depth))


def get_cache_path(cache_dir: Path, config: CircuitConfig, seed: bytes) -> Path:
    """Where :func:`load_or_create_insecure_keys` keeps the key of ``config`` and ``seed``."""
    seed_tag = hashlib.sha256(seed).hexdigest()[:16]
    return cache_dir / f"{config.circuit_id}-{seed_tag}.pk"


def _read_cache_file(path: Path, magic: bytes) -> bytes:
    """A cache file's body, read once; ``DecodeError`` for a bad header or SHA-256."""
    header_len = len(magic) + 32
    with path.open("rb") as f:
        header = f.read(header_len)
        body = f.read()
    if header[: len(magic)] != magic or hashlib.sha256(body).digest() != header[len(magic) :]:
        raise DecodeError(f"key cache file {path} is corrupt (bad header or SHA-256); delete it")
    return body


def _write_cache_file(path: Path, magic: bytes, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, magic + hashlib.sha256(body).digest() + body)


def write_cached_key(path: Path, pk: ProvingKey) -> None:
    """Writes ``pk`` where :func:`load_or_create_insecure_keys` would find it (a ceremony's
    keys, installed by ``zkpov ceremony phase2 export``)."""
    _write_cache_file(path, _CACHE_MAGIC, pk.to_bytes())


def _load_or_write_matrices(pk: ProvingKey, path: Path) -> None:
    """Loads the circuit's matrices from ``path``, or builds and writes them there."""
    if path.exists():
        pk.load_matrices(_read_cache_file(path, _MATRICES_MAGIC))
    else:
        _write_cache_file(path, _MATRICES_MAGIC, pk.matrices_to_bytes())


def read_cache_hash(path: Path) -> bytes | None:
    """The SHA-256 of the key a cache file's header records; None if it is no key cache file."""
    with path.open("rb") as f:
        header = f.read(len(_CACHE_MAGIC) + 32)
    if len(header) != len(_CACHE_MAGIC) + 32 or not header.startswith(_CACHE_MAGIC):
        return None
    return header[len(_CACHE_MAGIC) :]


def load_cached_key(config: CircuitConfig, path: Path) -> ProvingKey:
    """A key cache file written by :func:`load_or_create_insecure_keys` (SHA-256 checked), with
    its matrices if they lie beside it; ``DecodeError`` if corrupt. Writes nothing."""
    pk = ProvingKey.from_bytes(config, _read_cache_file(path, _CACHE_MAGIC))
    matrices = path.with_suffix(".r1cs")
    if matrices.exists():
        pk.load_matrices(_read_cache_file(matrices, _MATRICES_MAGIC))
    return pk


def load_or_create_insecure_keys(
    config: CircuitConfig,
    cache_dir: Path,
    seed: bytes,
    check_cached: Callable[[ProvingKey], None] | None = None,
) -> tuple[ProvingKey, VerifyingKey]:
    """:func:`insecure_setup`, cached as ``<circuit_id>-<seed tag>.pk`` under ``cache_dir``, with
    the circuit's constraint matrices beside it (``.r1cs``), so that a prover that loads the key
    never synthesizes the circuit in setup mode (about 230 MB at 2^16 constraints).

    A cached file must carry the right header and SHA-256 of its body, else ``DecodeError``;
    ``check_cached`` sees a cached key before anything is written beside it, and may raise."""
    path = get_cache_path(cache_dir, config, seed)
    if path.exists():
        pk = ProvingKey.from_bytes(config, _read_cache_file(path, _CACHE_MAGIC))
        if check_cached is not None:
            check_cached(pk)
    else:
        pk = insecure_setup(config, seed)[0]
        _write_cache_file(path, _CACHE_MAGIC, pk.to_bytes())
    _load_or_write_matrices(pk, path.with_suffix(".r1cs"))
    return pk, pk.verifying_key
