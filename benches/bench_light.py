"""What the light client's finality check costs over its one pairing check, on the same QC:
``zkpov.light.verify.verify_commit`` (header hash, 2-chain shape, bitfield, stake, one aggregate
BLS check over a decoded ``KeySet``) against the bare ``KeySet.fast_aggregate_verify`` of the
signers. (The core's ``verify_qc`` remembers verified QCs, so it is not a fair baseline here.)

    python benches/bench_light.py [--quick]

Both run in this process on the same machine; compare the ratio, not the absolute figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from zkpov.config import ConsensusConfig
from zkpov.crypto import bls
from zkpov.light.trust import build_trusted_set
from zkpov.light.verify import verify_commit
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import BlockHeader, QuorumCert, VoteData
from zkpov.spec.validators import compute_validator_set_commitment
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex


def _make(n: int) -> tuple[BlockHeader, QuorumCert, list[bytes]]:
    sks = [bls.generate_secret_key() for _ in range(n)]
    pks = [bls.sk_to_pk(sk) for sk in sks]
    header = BlockHeader(
        Epoch(0), Round(7), Height(7), BlockId(os.urandom(32)), ValidatorIndex(0),
        Root(bytes(32)), bytes(32), bytes(32), bytes(32), bytes(32), bytes(96),
        1_800_000_000_000, compute_validator_set_commitment(0, pks, [1] * n), b"",
    )  # fmt: skip
    data = VoteData(Epoch(0), Round(8), BlockId(os.urandom(32)), Round(7), header.id)
    signers = list(range(n * 3 // 4 + 1))
    sig = bls.aggregate([bls.sign(sks[i], data.signing_root) for i in signers])
    qc = QuorumCert(data, compute_bitfield(signers, n), sig)
    return header, qc, pks


def _median_ms(fns: tuple[Callable[[], object], ...], repeats: int) -> list[float]:
    """Median ms per call of each of ``fns``, run alternately (the machine's noise hits both)."""
    runs: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, times in zip(fns, runs, strict=True):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
    return [statistics.median(times) for times in runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    repeats = 5 if parser.parse_args().quick else 201
    config = ConsensusConfig()
    print("validators  light verify_commit ms  bare aggregate check ms  ratio")
    for n in (4, 100):
        header, qc, pks = _make(n)
        trusted = build_trusted_set(0, tuple(pks), (1,) * n, config)
        signers, root = list(range(n * 3 // 4 + 1)), qc.vote_data.signing_root
        light, bare = _median_ms(
            (
                lambda: verify_commit(trusted, header, qc),  # noqa: B023
                lambda: trusted.keys.fast_aggregate_verify(signers, root, qc.signature),  # noqa: B023
            ),
            repeats,
        )
        print(f"{n:10d}  {light:21.2f}  {bare:23.2f}  {light / bare:5.2f}")


if __name__ == "__main__":
    main()
