"""What the typed client costs over raw JSON: strict decoding per answer, and ``status()``
round trips on loopback against raw aiohttp ``resp.json()``.

    python benches/bench_client.py [--quick]

Decoding: ``json.loads`` alone against ``json.loads`` plus :func:`decode_answer`, for a status,
a block of 1,000 transfers and an account with its depth-32 Merkle proof. Round trips: one
connection, sequential requests, to the RPC app over the tests' FakeNode in this process (so
server and client share one core: compare the two columns, not the absolute figures).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the fake view lives in tests/

from tests.node.rpc.fake_view import FakeNode
from zkpov.client import AsyncZkpovClient, models
from zkpov.client.codec import decode_answer
from zkpov.node.rpc.app import create_app

SIBLINGS = [["ab" * 32] * 3 for _ in range(16)]
ANSWERS: dict[str, tuple[type, dict[str, Any]]] = {}


def _make_answers() -> None:
    app_status = {"node_info": {"node_id": "01" * 32, "chain_id": "c", "version": "1"},
                  "epoch": 0, "sync_info": {"latest_block_height": 9, "latest_block_id": "02" * 32,
                  "latest_state_root": "03" * 32, "latest_block_round": 9,
                  "earliest_block_height": 0, "proven_final_height": None, "current_round": 10,
                  "catching_up": False}, "validator_info": None}  # fmt: skip
    header = {k: "04" * 32 for k in ("block_id", "parent_id", "state_root", "qc_digest",
              "payload_digest", "evidence_digest", "proof_digest")}  # fmt: skip
    header.update(epoch=0, round=3, height=3, proposer=1, randao_reveal="05" * 96)
    qc = {"epoch": 0, "round": 2, "block_id": "06" * 32, "parent_round": 1,
          "parent_id": "07" * 32, "signature": "08" * 96, "signers": "0f"}  # fmt: skip
    block = {"block_id": "04" * 32, "header": header, "qc": qc, "txs": ["09" * 136] * 1000,
             "evidence": [], "proof": "0a" * 192}  # fmt: skip
    account = {"index": "5", "public_key": "0b" * 32, "balance": "100", "nonce": 1,
               "pending_nonce": 2, "height": 9, "state_root": "0c" * 32,
               "proof": {"depth": 32, "leaf": "0d" * 32, "siblings": SIBLINGS}}  # fmt: skip
    ANSWERS.update(status=(models.Status, app_status), block=(models.Block, block),
                   account=(models.Account, account))  # fmt: skip


def _per_call_us(fn: Callable[[], object], repeats: int) -> float:
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        runs.append((time.perf_counter() - start) / repeats * 1e6)
    return statistics.median(runs)


def bench_decode(repeats: int) -> None:
    print(f"{'answer':<10}{'bytes':>9}{'json.loads us':>15}{'+ decode us':>13}")
    for name, (cls, doc) in ANSWERS.items():
        text = json.dumps(doc)
        raw = _per_call_us(lambda text=text: json.loads(text), repeats)
        typed = _per_call_us(
            lambda cls=cls, text=text: decode_answer(cls, json.loads(text)), repeats
        )
        print(f"{name:<10}{len(text):>9}{raw:>15.1f}{typed:>13.1f}")


async def _rate(call: Callable[[], Any], seconds: float) -> float:
    done, until = 0, time.perf_counter() + seconds
    while time.perf_counter() < until:
        await call()
        done += 1
    return done / seconds


async def bench_round_trips(seconds: float) -> None:
    async with TestServer(create_app(FakeNode(n_blocks=50))) as server:
        url = str(server.make_url(""))
        async with aiohttp.ClientSession() as session, AsyncZkpovClient(url) as client:

            async def raw() -> Any:
                async with session.get(f"{url}/status") as resp:
                    return await resp.json()

            rates = [(await _rate(raw, seconds), await _rate(client.status, seconds))
                     for _ in range(3)]  # fmt: skip
    raw_rate = statistics.median(r for r, _ in rates)
    typed_rate = statistics.median(t for _, t in rates)
    print(f"status round trips/s: raw aiohttp {raw_rate:.0f}, ZkpovClient {typed_rate:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    _make_answers()
    bench_decode(20 if quick else 200)
    asyncio.run(bench_round_trips(0.5 if quick else 2.0))


if __name__ == "__main__":
    main()
