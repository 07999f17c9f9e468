"""``zkpov demo``: make validator keys, sign, aggregate and verify with real BLS; print timings."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import click
from rich.console import Console
from rich.table import Table

from zkpov.crypto import bls, poseidon


@dataclass(frozen=True)
class Timing:
    name: str
    count: int
    seconds: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1e3


def time_it(name: str, count: int, fn: Callable[[], object], repeat: int) -> Timing:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return Timing(name, count, samples)


def run_demo(validators: int, repeat: int) -> tuple[list[Timing], bool]:
    sks = [bls.generate_secret_key() for _ in range(validators)]
    pks = [bls.sk_to_pk(sk) for sk in sks]
    msg = b"zkpov demo block"
    sigs = [bls.sign(sk, msg) for sk in sks]
    agg = bls.aggregate(sigs)
    keyset = bls.KeySet(pks)
    signers = range(validators)
    ok = bls.fast_aggregate_verify(pks, msg, agg) and keyset.fast_aggregate_verify(
        signers, msg, agg
    )
    timings = [
        time_it("keygen (OS RNG)", validators, lambda: [bls.generate_secret_key() for _ in sks], 1),
        time_it("proof of possession verify", validators, lambda: all_pops(sks, pks), 1),
        time_it("sign", validators, lambda: [bls.sign(sk, msg) for sk in sks], repeat),
        time_it("aggregate signatures", validators, lambda: bls.aggregate(sigs), repeat),
        time_it(
            "fast_aggregate_verify (bytes)",
            1,
            lambda: bls.fast_aggregate_verify(pks, msg, agg),
            repeat,
        ),
        time_it(
            "fast_aggregate_verify (KeySet)",
            1,
            lambda: keyset.fast_aggregate_verify(signers, msg, agg),
            repeat,
        ),
        time_it(
            "poseidon hash2", 1000, lambda: [poseidon.hash2(i, i) for i in range(1000)], repeat
        ),
    ]
    return timings, ok


def all_pops(sks: list[bytes], pks: list[bytes]) -> bool:
    return all(bls.pop_verify(pk, bls.pop_prove(sk)) for sk, pk in zip(sks, pks, strict=True))


@click.command()
@click.option("--validators", default=100, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--repeat", default=5, show_default=True, type=click.IntRange(1, 1000))
def demo(validators: int, repeat: int) -> None:
    """Make validator keys, sign, aggregate and verify with real BLS, and print the timings."""
    timings, ok = run_demo(validators, repeat)
    table = Table(title=f"zkpov BLS demo: {validators} validators (median of {repeat})")
    for column in ("operation", "items", "median ms", "per item µs"):
        table.add_column(column, justify="right" if column != "operation" else "left")
    for t in timings:
        table.add_row(
            t.name, str(t.count), f"{t.median_ms:.3f}", f"{t.median_ms * 1e3 / t.count:.1f}"
        )
    console = Console()
    console.print(table)
    console.print(f"aggregate signature of {validators} validators verifies: {ok}")
    if not ok:
        raise SystemExit(1)
