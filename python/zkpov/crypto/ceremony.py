"""The trusted-setup ceremony's cryptography (``rust/ceremony``), bytes in and bytes out.

Phase 1 accumulators and phase 2 parameters are opaque bytes; each step decodes them with
length caps and subgroup checks and raises ``DecodeError`` or, for a contribution that does not
verify, ``CeremonyError`` naming the check. Contributions take 32 bytes from the OS RNG hashed
with the caller's optional text; their secrets are zeroized in Rust and never reach Python.
The transcript (files, index, the walk along its hash chain) is
:mod:`zkpov.crypto.ceremony_transcript`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from zkpov import _native

__all__ = [
    "PHASE1_PROOFS_BYTES",
    "PHASE2_PROOFS_BYTES",
    "Beacon",
    "Phase1Chain",
    "Phase2Chain",
    "check_phase2_start",
    "compute_phase1_root",
    "compute_phase2_root",
    "compute_record_hash",
    "contribute_phase1",
    "contribute_phase1_beacon",
    "contribute_phase2",
    "contribute_phase2_beacon",
    "get_phase1_encoded_len",
    "new_phase1",
    "new_phase2",
    "sha256",
    "verify_phase1",
    "verify_phase2",
]

POK_BYTES = 384
PHASE1_PROOFS_BYTES = 3 * POK_BYTES
PHASE2_PROOFS_BYTES = POK_BYTES


@dataclass(frozen=True)
class Beacon:
    """A public random value, hashed ``2 ** log_iterations`` times into the secrets of the last
    contribution of phase 1 (tau, alpha, beta) or phase 2 (delta)."""

    value: bytes
    log_iterations: int


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def get_phase1_encoded_len(log_size: int) -> int:
    """Bytes of a phase-1 accumulator of size ``2 ** log_size``."""
    n = 1 << log_size
    return 9 + (4 * n - 1) * 96 + (n + 1) * 192


def new_phase1(log_size: int) -> bytes:
    return _native.ceremony_phase1_new(log_size)


def contribute_phase1(accumulator: bytes, parent: bytes, entropy: bytes) -> tuple[bytes, bytes]:
    """``(accumulator, proofs)`` with fresh secrets multiplied in."""
    return _native.ceremony_phase1_contribute(accumulator, parent, entropy)


def contribute_phase1_beacon(
    accumulator: bytes, parent: bytes, beacon: Beacon
) -> tuple[bytes, bytes]:
    return _native.ceremony_phase1_beacon(accumulator, parent, beacon.value, beacon.log_iterations)


def verify_phase1(
    prev: bytes, next_: bytes, parent: bytes, proofs: bytes, beacon: Beacon | None = None
) -> None:
    """``CeremonyError`` unless ``next_`` is a valid contribution on ``prev`` under ``parent``."""
    pair = None if beacon is None else (beacon.value, beacon.log_iterations)
    _native.ceremony_phase1_verify(prev, next_, parent, proofs, pair)


class Phase1Chain:
    """A phase-1 walk that decodes each accumulator once: :meth:`check` verifies a contribution
    against the last accepted accumulator (``CeremonyError``), then accepts it."""

    def __init__(self, start: bytes) -> None:
        self._native = _native.CeremonyPhase1Chain(start)

    def check(
        self, next_: bytes, parent: bytes, proofs: bytes, beacon: Beacon | None = None
    ) -> None:
        pair = None if beacon is None else (beacon.value, beacon.log_iterations)
        self._native.check(next_, parent, proofs, pair)


class Phase2Chain:
    """The phase-2 walk, like :class:`Phase1Chain`."""

    def __init__(self, start: bytes) -> None:
        self._native = _native.CeremonyPhase2Chain(start)

    def check(
        self, next_: bytes, parent: bytes, proof: bytes, beacon: Beacon | None = None
    ) -> None:
        pair = None if beacon is None else (beacon.value, beacon.log_iterations)
        self._native.check(next_, parent, proof, pair)


def new_phase2(phase1: bytes, batch_size: int, tree_depth: int) -> bytes:
    """The transfer circuit's starting parameters (a cache-format proving key, delta = 1)."""
    return _native.ceremony_phase2_new(phase1, batch_size, tree_depth)


def check_phase2_start(phase1: bytes, start: bytes, batch_size: int, tree_depth: int) -> None:
    """``CeremonyError`` (``DecodeError`` for bad bytes) unless ``start`` is the transfer
    circuit's starting parameters from the final ``phase1``: random combinations of each query
    against phase 1's powers (a wrong point passes with probability about 2^-128), no group FFT.
    """
    _native.ceremony_phase2_check_start(phase1, start, batch_size, tree_depth)


def contribute_phase2(parameters: bytes, parent: bytes, entropy: bytes) -> tuple[bytes, bytes]:
    return _native.ceremony_phase2_contribute(parameters, parent, entropy)


def contribute_phase2_beacon(
    parameters: bytes, parent: bytes, beacon: Beacon
) -> tuple[bytes, bytes]:
    """``(parameters, proof)`` with the beacon's delta (deterministic: anyone re-derives it)."""
    return _native.ceremony_phase2_beacon(parameters, parent, beacon.value, beacon.log_iterations)


def verify_phase2(
    prev: bytes, next_: bytes, parent: bytes, proof: bytes, beacon: Beacon | None = None
) -> None:
    pair = None if beacon is None else (beacon.value, beacon.log_iterations)
    _native.ceremony_phase2_verify(prev, next_, parent, proof, pair)


def compute_record_hash(
    parent: bytes, output_sha256: bytes, proofs: bytes, name: str, comment: str
) -> bytes:
    return _native.ceremony_record_hash(parent, output_sha256, proofs, name, comment)


def compute_phase1_root(start_sha256: bytes) -> bytes:
    return _native.ceremony_phase1_root(start_sha256)


def compute_phase2_root(phase1_hash: bytes, circuit_id: str, start_sha256: bytes) -> bytes:
    return _native.ceremony_phase2_root(phase1_hash, circuit_id, start_sha256)
