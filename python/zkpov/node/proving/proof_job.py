"""One proof job for a remote prover, as bytes: what :class:`~zkpov.node.proving.dask_prover.
DaskProver` sends and a prover worker (:mod:`~zkpov.node.proving.dask_worker`) decodes.

msgpack ``[version, circuit_id, batch_size, tree_depth, key_sha256, witness, [transfer, ...]]``:
the circuit (its id checked against the shape, so a worker built from another circuit version
refuses the job), the proving key's SHA-256 (the worker finds the key by it), the witness of
:func:`zkpov.crypto.snark.extract_witness` and the encoded transfers. Decoding is strict and
capped; anything else is a ``DecodeError``.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgpack

from zkpov.chain.state import TRANSFER_BYTES
from zkpov.crypto import snark
from zkpov.errors import DecodeError

__all__ = ["JOB_VERSION", "MAX_JOB_BYTES", "ProofJob"]

JOB_VERSION = 1
MAX_WITNESS_BYTES = 8 << 20  # rust/state/proof_witness.rs
MAX_JOB_TRANSFERS = 1024  # the circuit's largest batch
MAX_JOB_BYTES = MAX_WITNESS_BYTES + MAX_JOB_TRANSFERS * (TRANSFER_BYTES + 3) + 256


@dataclass(frozen=True)
class ProofJob:
    circuit_id: str
    batch_size: int
    tree_depth: int
    key_sha256: bytes
    witness: bytes
    transfers: tuple[bytes, ...]

    def to_bytes(self) -> bytes:
        fields = [
            JOB_VERSION, self.circuit_id, self.batch_size, self.tree_depth, self.key_sha256,
            self.witness, list(self.transfers),
        ]  # fmt: skip
        packed: bytes = msgpack.packb(fields, use_bin_type=True)
        return packed

    @classmethod
    def from_bytes(cls, data: bytes) -> ProofJob:
        if len(data) > MAX_JOB_BYTES:
            raise DecodeError(f"proof job is {len(data)} bytes, at most {MAX_JOB_BYTES}")
        try:
            fields = msgpack.unpackb(data, raw=False, max_array_len=MAX_JOB_TRANSFERS)
        except (ValueError, msgpack.UnpackException) as err:
            raise DecodeError(f"proof job is not msgpack: {err}") from err
        if not isinstance(fields, list) or len(fields) != 7 or fields[0] != JOB_VERSION:
            raise DecodeError(f"proof job must be a version {JOB_VERSION} list of 7 fields")
        job = cls(fields[1], fields[2], fields[3], fields[4], fields[5], tuple(fields[6]))
        job.check()
        return job

    def check(self) -> None:
        """``DecodeError`` unless every field has its type and size."""
        ints = (self.batch_size, self.tree_depth)
        if not all(type(v) is int for v in ints) or not isinstance(self.circuit_id, str):
            raise DecodeError("proof job: circuit fields have the wrong types")
        if not isinstance(self.key_sha256, bytes) or len(self.key_sha256) != 32:
            raise DecodeError("proof job: key_sha256 must be 32 bytes")
        if not isinstance(self.witness, bytes):
            raise DecodeError("proof job: the witness must be bytes")
        if len(self.transfers) > self.batch_size:
            raise DecodeError(f"proof job: more than {self.batch_size} transfers")
        if not all(isinstance(t, bytes) and len(t) == TRANSFER_BYTES for t in self.transfers):
            raise DecodeError(f"proof job: each transfer must be {TRANSFER_BYTES} bytes")

    def get_config(self) -> snark.CircuitConfig:
        """The job's circuit; ``DecodeError`` for a bad shape, or an id this build does not make."""
        try:
            config = snark.CircuitConfig(self.batch_size, self.tree_depth)
        except ValueError as err:
            raise DecodeError(f"proof job: {err}") from err
        if config.circuit_id != self.circuit_id:
            raise DecodeError(
                f"proof job names circuit {self.circuit_id[:16]}..., this prover builds"
                f" {config.circuit_id[:16]}... for batch {self.batch_size}, depth {self.tree_depth}"
            )
        return config
