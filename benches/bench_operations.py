"""Proving a batch of staking ops and payouts against a batch of transfers, with one key.

    python benches/bench_operations.py [--depth 8] [--repeat 3]

Every slot of circuit version 5 has the same constraints whatever its kind, so the ratio should
be about 1; this measures it (and the native apply of each batch) in one process, one key, the
baseline first. Prints one JSON line with the medians, the ratios and the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence

from timing import median_seconds

from zkpov.chain.operations import Operation, Payout, sign_delegate
from zkpov.chain.state import AccountState, sign_transfer
from zkpov.crypto import schnorr, snark

ALICE = schnorr.generate_keypair()
BOB = schnorr.generate_keypair()


def genesis(depth: int) -> AccountState:
    state = AccountState(depth)
    state.credit(1, ALICE.public_key, 10_000)
    return state


def get_batches(batch: int) -> tuple[list[Operation], list[Operation]]:
    transfers: list[Operation] = [
        sign_transfer(ALICE.secret_key, 1, 9, BOB.public_key, 5, n + 1) for n in range(batch)
    ]
    mixed: list[Operation] = [sign_delegate(ALICE.secret_key, 1, 0, 5, n + 1) for n in range(batch)]
    mixed[-1] = Payout(9, BOB.public_key, 5)
    return transfers, mixed


def time_batch(
    pk: snark.ProvingKey, depth: int, ops: Sequence[Operation], repeat: int
) -> dict[str, float]:
    snark.prove(pk, genesis(depth), ops)  # builds the prover's matrices, untimed
    prove = median_seconds(lambda: snark.prove(pk, genesis(depth), ops), repeat)
    apply = median_seconds(lambda: genesis(depth).apply_operations(ops), repeat)
    return {"prove_s": round(prove, 3), "apply_s": round(apply, 5)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = snark.CircuitConfig(args.batch, args.depth)
    pk, _ = snark.insecure_setup(config, b"bench-ops")
    transfers, mixed = get_batches(args.batch)
    baseline = time_batch(pk, args.depth, transfers, args.repeat)
    staking = time_batch(pk, args.depth, mixed, args.repeat)
    result = {
        "config": {"batch": args.batch, "depth": args.depth, "repeat": args.repeat},
        "constraints": snark.get_circuit_stats(config).constraint_count,
        "transfers": baseline,
        "staking_and_payout": staking,
        "prove_ratio": round(staking["prove_s"] / baseline["prove_s"], 3),
        "load_avg": os.getloadavg(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
