"""BLS and Poseidon: zkpov against the libraries people would otherwise use, in one run.

    python benches/bench_crypto.py [--quick]

Peers: blspy (Chia's BLS, PopSchemeMPL: the same min_pk proof-of-possession scheme) and py_ecc
(the Ethereum reference, pure Python). Each cell is the median wall time of several runs; ratio
is zkpov / peer (below 1.0 means zkpov is faster). "decoded key(s)" rows decode the public keys
once up front for both libraries (a validator set is known in advance) but decode and group-check
the signature from bytes on every call, as a node must for a signature that arrives on the wire.
Poseidon has no maintained Python peer over BLS12-381, so its peer row is a straightforward
pure-Python permutation written here for the comparison (constants from zkpov itself).
"""

from __future__ import annotations

import argparse
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass

import timing

from zkpov.crypto import bls, poseidon

MSG = b"zkpov benchmark message, 32 byte"


@dataclass
class Row:
    name: str
    zkpov: float
    blspy: float | None
    py_ecc: float | None


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    return timing.median_seconds(fn, repeat, warm_up=True)


class Keys:
    """n keys, their signatures over MSG, and the same material for both peers."""

    def __init__(self, n: int) -> None:
        import blspy

        self.sks = [bls.keygen(os.urandom(32)) for _ in range(n)]
        self.pks = [bls.sk_to_pk(sk) for sk in self.sks]
        self.sigs = [bls.sign(sk, MSG) for sk in self.sks]
        self.agg = bls.aggregate(self.sigs)
        self.b_sks = [blspy.PrivateKey.from_bytes(sk) for sk in self.sks]
        self.b_pks = [blspy.G1Element.from_bytes(pk) for pk in self.pks]


def bench_sign_verify(keys: Keys, repeat: int, slow: int) -> list[Row]:
    from blspy import G1Element, G2Element, PopSchemeMPL
    from py_ecc.bls import G2ProofOfPossession as PyEccBls

    sk, pk, sig = keys.sks[0], keys.pks[0], keys.sigs[0]
    bsk, bpk = keys.b_sks[0], keys.b_pks[0]
    key = bls.PublicKey(pk)
    isk = int.from_bytes(sk, "big")
    return [
        Row(
            "sign",
            median_seconds(lambda: bls.sign(sk, MSG), repeat),
            median_seconds(lambda: PopSchemeMPL.sign(bsk, MSG), repeat),
            median_seconds(lambda: PyEccBls.Sign(isk, MSG), slow),
        ),
        Row(
            "verify (from bytes)",
            median_seconds(lambda: bls.verify(pk, MSG, sig), repeat),
            median_seconds(
                lambda: PopSchemeMPL.verify(
                    G1Element.from_bytes(pk), MSG, G2Element.from_bytes(sig)
                ),
                repeat,
            ),
            median_seconds(lambda: PyEccBls.Verify(pk, MSG, sig), slow),
        ),
        Row(
            "verify (decoded key)",
            median_seconds(lambda: key.verify(MSG, sig), repeat),
            median_seconds(
                lambda: PopSchemeMPL.verify(bpk, MSG, G2Element.from_bytes(sig)), repeat
            ),
            None,
        ),
    ]


def bench_aggregates(keys: Keys, repeat: int, slow: int) -> list[Row]:
    from blspy import G1Element, G2Element, PopSchemeMPL
    from py_ecc.bls import G2ProofOfPossession as PyEccBls

    n = len(keys.pks)
    keyset = bls.KeySet(keys.pks)
    signers = list(range(n))
    return [
        Row(
            f"aggregate {n} signatures (from bytes)",
            median_seconds(lambda: bls.aggregate(keys.sigs), repeat),
            median_seconds(
                lambda: PopSchemeMPL.aggregate([G2Element.from_bytes(s) for s in keys.sigs]), repeat
            ),
            median_seconds(lambda: PyEccBls.Aggregate(keys.sigs), slow),
        ),
        Row(
            f"fast_aggregate_verify {n} (from bytes)",
            median_seconds(lambda: bls.fast_aggregate_verify(keys.pks, MSG, keys.agg), repeat),
            median_seconds(
                lambda: PopSchemeMPL.fast_aggregate_verify(
                    [G1Element.from_bytes(p) for p in keys.pks], MSG, G2Element.from_bytes(keys.agg)
                ),
                repeat,
            ),
            median_seconds(lambda: PyEccBls.FastAggregateVerify(keys.pks, MSG, keys.agg), slow),
        ),
        Row(
            f"fast_aggregate_verify {n} (decoded keys)",
            median_seconds(lambda: keyset.fast_aggregate_verify(signers, MSG, keys.agg), repeat),
            median_seconds(
                lambda: PopSchemeMPL.fast_aggregate_verify(
                    keys.b_pks, MSG, G2Element.from_bytes(keys.agg)
                ),
                repeat,
            ),
            None,
        ),
    ]


def bench_batch(n: int, repeat: int) -> Row:
    """zkpov: blinded batch verification; blspy has none, so its row is aggregate + verify."""
    from blspy import G1Element, G2Element, PopSchemeMPL

    sks = [bls.keygen(os.urandom(32)) for _ in range(n)]
    pks = [bls.sk_to_pk(sk) for sk in sks]
    msgs = [os.urandom(32) for _ in range(n)]
    sigs = [bls.sign(sk, m) for sk, m in zip(sks, msgs, strict=True)]

    def peer() -> bool:
        agg = PopSchemeMPL.aggregate([G2Element.from_bytes(s) for s in sigs])
        return bool(
            PopSchemeMPL.aggregate_verify([G1Element.from_bytes(p) for p in pks], msgs, agg)
        )

    return Row(
        f"batch_verify {n} (from bytes)",
        median_seconds(lambda: bls.batch_verify(pks, msgs, sigs), repeat),
        median_seconds(peer, repeat),
        None,
    )


def python_hash2(ark: list[list[int]], mds: list[list[int]]) -> Callable[[int, int], int]:
    r = poseidon.MODULUS

    def perm(s: list[int]) -> list[int]:
        for rnd, rc in enumerate(ark):
            s = [(x + c) % r for x, c in zip(s, rc, strict=True)]
            if rnd < 4 or rnd >= 61:
                s = [pow(x, 5, r) for x in s]
            else:
                s[0] = pow(s[0], 5, r)
            s = [sum(m * x for m, x in zip(row, s, strict=True)) % r for row in mds]
        return s

    return lambda a, b: perm([0, a, b])[1]


def bench_poseidon(repeat: int) -> Row:
    ark, mds = poseidon.parameters()
    peer = python_hash2(ark, mds)
    if peer(1, 2) != poseidon.hash2(1, 2):
        raise SystemExit("pure-Python Poseidon disagrees with zkpov")
    calls = 200
    z = median_seconds(lambda: [poseidon.hash2(i, i + 1) for i in range(calls)], repeat)
    p = median_seconds(lambda: [peer(i, i + 1) for i in range(calls // 20)], repeat)
    return Row("poseidon hash2 (per call; peer: pure Python)", z / calls, p / (calls // 20), None)


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1e3:.3f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.1f} µs"


def ratio(a: float, b: float | None) -> str:
    return "-" if b is None else f"{a / b:.2f}"


def print_table(rows: list[Row]) -> None:
    head = (
        f"| {'operation':<44} | {'zkpov':>11} | {'blspy / peer':>12} | {'py_ecc':>11} | "
        f"{'zkpov/blspy':>11} | {'zkpov/py_ecc':>12} |"
    )
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for r in rows:
        print(
            f"| {r.name:<44} | {fmt(r.zkpov):>11} | {fmt(r.blspy):>12} | {fmt(r.py_ecc):>11} | "
            f"{ratio(r.zkpov, r.blspy):>11} | {ratio(r.zkpov, r.py_ecc):>12} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, skip py_ecc")
    args = parser.parse_args()
    repeat, slow = (5, 1) if args.quick else (31, 3)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
        f"python {platform.python_version()}; medians of {repeat} (py_ecc: {slow})"
    )
    keys = Keys(100)
    rows = bench_sign_verify(keys, repeat, slow) + bench_aggregates(keys, repeat, slow)
    rows += [bench_batch(64, repeat), bench_poseidon(repeat)]
    print_table(rows)


if __name__ == "__main__":
    main()
