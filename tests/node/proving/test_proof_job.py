"""ProofJob bytes: what a prover worker decodes from the cluster, strictly and with caps."""

from __future__ import annotations

import msgpack
import pytest

from zkpov.crypto import snark
from zkpov.errors import DecodeError
from zkpov.node.proving.proof_job import MAX_JOB_BYTES, ProofJob

CONFIG = snark.CircuitConfig(batch_size=2, tree_depth=4)


def job(**changes: object) -> ProofJob:
    fields: dict[str, object] = {
        "circuit_id": CONFIG.circuit_id, "batch_size": 2, "tree_depth": 4,
        "key_sha256": bytes(32), "witness": b"w", "transfers": (bytes(136),),
    }  # fmt: skip
    fields.update(changes)
    return ProofJob(**fields)  # type: ignore[arg-type]


def test_round_trip_and_config() -> None:
    assert ProofJob.from_bytes(job().to_bytes()) == job()
    assert job().get_config() == CONFIG


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\xc1", "not msgpack"),
        (msgpack.packb([2, "x"]), "version 1 list of 7"),
        (job(key_sha256=bytes(31)).to_bytes(), "key_sha256 must be 32 bytes"),
        (job(batch_size="2").to_bytes(), "wrong types"),
        (job(transfers=(bytes(135),)).to_bytes(), "136 bytes"),
        (job(transfers=(bytes(136),) * 3).to_bytes(), "more than 2 transfers"),
        (job(witness="text").to_bytes(), "must be bytes"),
        (b"\0" * (MAX_JOB_BYTES + 1), "at most"),
    ],
)
def test_malformed_jobs_are_refused(data: bytes, why: str) -> None:
    with pytest.raises(DecodeError, match=why):
        ProofJob.from_bytes(data)


def test_a_job_for_another_circuit_is_refused() -> None:
    with pytest.raises(DecodeError, match="this prover builds"):
        job(circuit_id="ab" * 32).get_config()
    with pytest.raises(DecodeError, match="tree depth"):
        job(tree_depth=5).get_config()
