"""Native execution of blocks: today's loop against the batched path, on the same blocks.

    python benches/bench_execution.py [--blocks 16] [--per-block 64] [--repeat 5]

The chain: 256 funded senders in a depth-32 tree (the default), and ``--blocks`` blocks of
``--per-block`` transfers (64, the former cap; the node's default is now 256,
``node/state/block_capacity.py``), each from distinct senders (while there are 256) to fresh
and existing accounts, every block applied on the one before. Two ways to execute a block, as a
node does:

- **loop** (today's): ``Transfer.from_bytes`` (the points decoded in Python's call, then again
  natively), then ``AccountTree.apply_transfers``: each Schnorr signature checked alone, on one
  core, with the GIL held.
- **batched**: ``Transfer.from_bytes_unchecked`` and ``AccountState.apply_transfers``
  (``AccountTree.apply_transfers_batched``): decoding and the signatures' one random-linear-
  combination check on all cores (rayon), the GIL released.

Both run on copies of the same pre-states; their roots must agree (checked). Each figure is
the median over ``--repeat`` runs of the whole chain, in transfers/s, with the speedup and the
load average (1 minute) before and after. A node executed each block two or three times before
apply once (check, commit, and its own proposal's root); it now executes it once, a further
2-3x on top of the figures here (not measured here: see bench_devnet.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from zkpov.chain.state import AccountState, Transfer, sign_transfer
from zkpov.crypto import schnorr

SENDERS, CHAIN_TAG = 256, 12345
Block = list[bytes]


def build_chain(blocks: int, per_block: int) -> tuple[AccountState, list[Block]]:
    """A funded genesis state and ``blocks`` blocks of signed transfers that all apply."""
    state = AccountState(chain_tag=CHAIN_TAG)
    keys = [schnorr.generate_keypair() for _ in range(SENDERS)]
    for index, key in enumerate(keys, start=1):
        state.credit(index, key.public_key, 10**12)
    nonces, chain = [0] * SENDERS, []
    for height in range(blocks):
        block = []
        for slot in range(per_block):
            who = (height * per_block + slot) % SENDERS
            nonces[who] += 1
            to = keys[(who + 7) % SENDERS] if slot % 2 else schnorr.generate_keypair()
            recipient = (who + 7) % SENDERS + 1 if slot % 2 else 10**6 + height * per_block + slot
            block.append(sign_transfer(keys[who].secret_key, who + 1, recipient, to.public_key,
                                       5, nonces[who], 1, CHAIN_TAG).to_bytes())  # fmt: skip
        chain.append(block)
    return state, chain


def apply_by_loop(state: AccountState, block: Block) -> int:
    transfers = [Transfer.from_bytes(tx) for tx in block]
    return state.native.apply_transfers([t.to_bytes() for t in transfers], state.chain_tag)


def apply_batched(state: AccountState, block: Block) -> int:
    return state.apply_transfers([Transfer.from_bytes_unchecked(tx) for tx in block])


def pre_states(genesis: AccountState, chain: list[Block]) -> list[AccountState]:
    """The state before each block (so each timed run starts from untouched copies)."""
    states, state = [], genesis.copy()
    for block in chain:
        states.append(state.copy())
        apply_batched(state, block)
    return states


def time_chain(
    apply: Callable[[AccountState, Block], int], states: list[AccountState], chain: list[Block]
) -> tuple[float, list[int]]:
    """Seconds to execute every block on a copy of its pre-state (copies not timed), and the
    post-state roots."""
    copies = [state.copy() for state in states]
    start = time.perf_counter()
    roots = [apply(state, block) for state, block in zip(copies, chain, strict=True)]
    return time.perf_counter() - start, roots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=16)
    parser.add_argument("--per-block", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    genesis, chain = build_chain(args.blocks, args.per_block)
    states = pre_states(genesis, chain)
    count = sum(map(len, chain))
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {"loop": [], "batched": []}
    for _ in range(args.repeat):  # interleaved, so both see the same machine load
        loop_s, loop_roots = time_chain(apply_by_loop, states, chain)
        batch_s, batch_roots = time_chain(apply_batched, states, chain)
        assert loop_roots == batch_roots, "the batched path disagrees with the loop"
        times["loop"].append(loop_s)
        times["batched"].append(batch_s)
    loop_s, batch_s = (statistics.median(times[k]) for k in ("loop", "batched"))
    print(f"{args.blocks} blocks of {args.per_block} transfers ({count} transfers), depth"
          f" {genesis.depth}, median of {args.repeat}, {os.cpu_count()} CPUs")  # fmt: skip
    print(f"loop (today):   {count / loop_s:8.0f} transfers/s  ({loop_s * 1000:.0f} ms)")
    print(f"batched:        {count / batch_s:8.0f} transfers/s  ({batch_s * 1000:.0f} ms,"
          f" {batch_s / args.blocks * 1000:.0f} ms a block)")  # fmt: skip
    print(f"speedup {loop_s / batch_s:.2f}x; load average {load_before:.2f} before,"
          f" {os.getloadavg()[0]:.2f} after")  # fmt: skip


if __name__ == "__main__":
    main()
