"""Mempool costs on the event loop: admission per transfer, a proposal's selection from a full
pool, and the re-check after a commit.

    python benches/bench_mempool.py

Admission is timed for three kinds of transfer: random bytes (refused by cheap checks), a
well-formed, affordable, right-nonce transfer whose signature fails (the costly junk), and a
valid one. Selection picks 64 from 5,008 valid pending (313 senders x 16). The baseline is how
the mempool selected before admission checked anything: each candidate applied on a copy of the
state (its signature verified again), over the same valid pool and over the pool an unchecked
mempool could hold under a flood (4,944 bad-signature transfers paying more, then 64 valid).
Selection timings are medians of 7 runs (3 for the baseline, 1 for the flooded baseline).

Batched signatures: the per-signature cost of ``schnorr.verify`` one at a time against
``schnorr.batch_verify`` over batches of 64 and 1,024 (1,024 distinct keys, so no key is shared;
medians of 3 runs), then admission of the 5,008 valid transfers (nonce-major order, so each batch
mixes senders) by ``add`` one at a time against ``add_many`` in batches of 64 and 1,024, and the
200 bad-signature transfers through ``add_many`` (the batch fails; each is checked alone).

RPC admission (``--rpc`` runs only this): the same 5,008 valid transfers submitted as bursts of 1,
8, 64 and 1,024 concurrent ``broadcast_tx`` requests (asyncio tasks, as aiohttp runs handlers),
each burst awaited before the next: today's path (``TxGossip.submit_tx``, one ``Mempool.add``
per request) against ``ClientTxQueue.submit`` (the burst admitted in one ``add_many`` at the end
of the loop turn). The two alternate on fresh pools over the same state; their answers are
compared. HTTP is left out: it costs both paths the same.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar, cast

from timing import median_ms

from zkpov.chain.state import AccountState, InvalidTransfer, Transfer, sign_transfer
from zkpov.crypto import schnorr
from zkpov.network.channels import ChannelId
from zkpov.network.transport import Transport
from zkpov.node.consensus_io.client_txs import ClientTxQueue
from zkpov.node.consensus_io.tx_gossip import TxGossip
from zkpov.node.state.mempool import AddResult, Mempool

DEPTH = 16
SENDERS, PER_SENDER, PICK = 313, 16, 64
TARGET = schnorr.generate_keypair()
T = TypeVar("T")


def build() -> tuple[AccountState, list[Transfer]]:
    state, transfers = AccountState(DEPTH), []
    for sender in range(1, SENDERS + 1):
        key = schnorr.generate_keypair()
        state.credit(sender, key.public_key, 10**9)
        for nonce in range(1, PER_SENDER + 1):
            fee = 1 + (sender * 7 + nonce) % 50
            t = sign_transfer(key.secret_key, sender, 60000, TARGET.public_key, 1, nonce, fee)
            transfers.append(t)
    return state, transfers


def select_by_reexecution(state: AccountState, transfers: list[Transfer]) -> list[Transfer]:
    """The former selection's cost model: every candidate applied on a scratch copy."""
    scratch, chosen = state.copy(), []
    for t in sorted(transfers, key=lambda t: (t.nonce, -t.fee)):
        if len(chosen) == PICK:
            break
        try:
            scratch.apply_transfers([t])
        except InvalidTransfer:
            continue
        chosen.append(t)
    return chosen


def forge(t: Transfer, count: int, fee: int) -> list[Transfer]:
    """Affordable, right-nonce variants of ``t`` under its signature: none verifies."""
    return [Transfer(t.sender, t.recipient, t.recipient_public_key, 2 + i, t.nonce, t.signature,
                     fee) for i in range(count)]  # fmt: skip


def time_admission(state: AccountState, transfers: list[Transfer]) -> None:
    pool = Mempool(lambda: state, max_txs=SENDERS * PER_SENDER)
    junk = [os.urandom(136) for _ in range(2000)]
    forged = [t.to_bytes() for t in forge(transfers[0], 200, transfers[0].fee)]
    start = time.perf_counter()
    for raw in junk:
        pool.add(raw)
    cheap = (time.perf_counter() - start) / len(junk) * 1e6
    start = time.perf_counter()
    for raw in forged:
        pool.add(raw)
    costly = (time.perf_counter() - start) / len(forged) * 1e6
    start = time.perf_counter()
    assert all(pool.add(t.to_bytes()).accepted for t in transfers)
    valid = (time.perf_counter() - start) / len(transfers) * 1e6
    print(f"admission, random bytes (cheap refusal):   {cheap:8.1f} us per transfer")
    print(f"admission, bad signature (verified):       {costly:8.1f} us per transfer")
    print(f"admission, valid (verified and queued):    {valid:8.1f} us per transfer")
    time_selection(state, pool, transfers)


def time_selection(state: AccountState, pool: Mempool, transfers: list[Transfer]) -> None:
    new = median_ms(lambda: pool.select(state, PICK))
    old = median_ms(lambda: select_by_reexecution(state, transfers), 3)
    flooded = forge(transfers[0], SENDERS * PER_SENDER - PICK, 10**6) + transfers[:PICK]
    worst = median_ms(lambda: select_by_reexecution(state, flooded), 1)
    print(f"select {PICK} of {len(pool)} valid: {new:.1f} ms")
    print(f"  before, by re-execution, same pool:      {old:.1f} ms")
    print(f"  before, by re-execution, flooded pool:   {worst:.1f} ms")
    chosen = pool.select(state, PICK)
    state.apply_transfers(chosen)
    start = time.perf_counter()
    pool.on_commit([t.to_bytes() for t in chosen])
    print(f"re-check after a commit of {PICK}: {(time.perf_counter() - start) * 1000:.1f} ms")


def in_batches(items: list[T], size: int) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def verify_batches(batches: list[list[tuple[bytes, int, bytes]]]) -> None:
    for batch in batches:
        assert all(schnorr.batch_verify(batch))


def time_signatures() -> None:
    keys = [schnorr.generate_keypair() for _ in range(1024)]
    items = [(k.public_key, i, schnorr.sign(k.secret_key, i)) for i, k in enumerate(keys)]
    single = median_ms(lambda: [schnorr.verify(*item) for item in items], 3) / len(items)
    print(f"schnorr verify, one at a time:             {single * 1000:8.1f} us per signature")
    for size in (64, 1024):
        batched = median_ms(partial(verify_batches, in_batches(items, size)), 3) / len(items)
        print(f"schnorr batch_verify, batches of {size:4}:     {batched * 1000:8.1f} us per "
              f"signature ({single / batched:.2f}x)")  # fmt: skip


def admit_all(pool: Mempool, raw: list[bytes], size: int) -> list[AddResult]:
    if size == 1:
        return [pool.add(tx) for tx in raw]
    return [result for batch in in_batches(raw, size) for result in pool.add_many(batch)]


def time_batched_admission(state: AccountState, transfers: list[Transfer]) -> None:
    raw = [t.to_bytes() for t in sorted(transfers, key=lambda t: (t.nonce, t.sender))]
    per_tx = {}
    for size in (1, 64, 1024):
        pool = Mempool(lambda: state, max_txs=SENDERS * PER_SENDER)
        start = time.perf_counter()
        assert all(r.accepted for r in admit_all(pool, raw, size))
        per_tx[size] = (time.perf_counter() - start) / len(raw) * 1e6
    print(f"admission, valid, add one at a time:       {per_tx[1]:8.1f} us per transfer")
    for size in (64, 1024):
        print(f"admission, valid, add_many of {size:4}:        {per_tx[size]:8.1f} us per "
              f"transfer ({per_tx[1] / per_tx[size]:.2f}x)")  # fmt: skip
    forged = [t.to_bytes() for t in forge(transfers[0], 200, transfers[0].fee)]
    start = time.perf_counter()
    assert not any(r.accepted for r in Mempool(lambda: state).add_many(forged))
    costly = (time.perf_counter() - start) / len(forged) * 1e6
    print(f"admission, bad signature, add_many of 200: {costly:8.1f} us per transfer")


class _SilentTransport:
    def broadcast(self, channel: ChannelId, body: bytes) -> None:
        pass


Submit = Callable[[bytes], Awaitable[AddResult]]


def make_submit(state: AccountState, batched: bool) -> Submit:
    pool = Mempool(lambda: state, max_txs=SENDERS * PER_SENDER)
    gossip = TxGossip(cast(Transport, _SilentTransport()), pool)
    if batched:
        return ClientTxQueue(gossip).submit

    async def one_by_one(tx: bytes) -> AddResult:  # what RuntimeView.broadcast_tx did
        return gossip.submit_tx(tx)

    return one_by_one


async def submit_bursts(submit: Submit, raw: list[bytes], burst: int) -> list[AddResult]:
    results: list[AddResult] = []
    for chunk in in_batches(raw, burst):
        results += await asyncio.gather(*(submit(tx) for tx in chunk))
    return results


def time_rpc_admission(state: AccountState, transfers: list[Transfer]) -> None:
    raw = [t.to_bytes() for t in sorted(transfers, key=lambda t: (t.nonce, t.sender))]
    for burst in (1, 8, 64, 1024):
        seconds, answers = {}, {}
        for batched in (False, True):
            submit = make_submit(state, batched)
            start = time.perf_counter()
            answers[batched] = asyncio.run(submit_bursts(submit, raw, burst))
            seconds[batched] = time.perf_counter() - start
        assert answers[True] == answers[False] and all(r.accepted for r in answers[True])
        one, many = (seconds[b] / len(raw) * 1e6 for b in (False, True))
        print(f"RPC admission, bursts of {burst:4}: one by one {one:7.1f} us, batched "
              f"{many:7.1f} us per transfer ({one / many:.2f}x)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rpc", action="store_true", help="only the RPC admission comparison")
    args = parser.parse_args()
    start = time.perf_counter()
    state, transfers = build()
    print(f"(signed {len(transfers)} transfers in {time.perf_counter() - start:.0f} s)")
    if args.rpc:
        time_rpc_admission(state, transfers)
        return
    fresh = state.copy()
    time_admission(state, transfers)  # commits a selection on ``state``
    time_signatures()
    time_batched_admission(fresh, transfers)
    time_rpc_admission(fresh, transfers)


if __name__ == "__main__":
    main()
