"""Time to join a chain of ``--blocks`` blocks: replay from genesis vs proof-based fast sync.

    python benches/bench_fast_sync.py [--blocks 10000] [--repeat 3] [--tx-every 50]
                                      [--accounts 1000]

One validator's home holds a chain built here: real blocks, each certified by a real BLS QC
(consecutive rounds, so each is committed by its child), a transfer every ``--tx-every`` blocks
(real Schnorr signatures and state roots), written through ``CommittedChain`` like a node's;
``--accounts`` funded accounts in a depth-16 tree; each header names its staking root. Only
the block just below the checkpoint carries a real Groth16 proof (batch 1): the bench hands the
server the proven-final height, as a network whose every batch was proven would. The
process-wide BLS verification cache is cleared before each timed run.

- **fast sync**: ``run_fast_sync`` into an empty home against the fast-sync routes served over
  HTTP on loopback (checkpoint, 2-chain QCs, batch proof verification, every state chunk, the
  staking ledger against the header's root, the install), until the store is ready;
- **replay** (a lower bound of what a node pays): the same blocks, already fetched and encoded,
  decoded, their QCs verified and committed 100 at a time through ``CommittedChain`` (transfers
  re-executed, one LMDB write per commit) into an empty home. A real node also waits for block
  sync's round trips and runs the consensus core's checks, so its replay is slower.

Prints each run and the medians with their ratio. The machine is shared: quote the load too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from aiohttp import web

from zkpov.chain.ledger_root import apply_ledger_block, compute_staking_root
from zkpov.chain.state import Transfer, compute_account_index, sign_transfer
from zkpov.consensus.actions import Commit
from zkpov.consensus.factory import ChainStart
from zkpov.consensus.quorum import verify_qc
from zkpov.crypto import bls, snark
from zkpov.devnet.processes import find_free_base_port
from zkpov.node.fast_sync.server import FastSyncServer
from zkpov.node.fast_sync.sync import run_fast_sync
from zkpov.node.ops.config import NodeConfig, load_node_config
from zkpov.node.ops.key_cache import load_circuit_keys
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.rpc.app import on_error
from zkpov.node.rpc.fast_sync_api import FAST_SYNC_KEY, FAST_SYNC_ROUTES
from zkpov.node.state.bootstrap import build_chain_start, build_genesis_state
from zkpov.node.state.economics import compute_genesis_ledger, get_ledger_config
from zkpov.node.state.genesis import Genesis, compute_genesis_hash, read_genesis
from zkpov.node.state.stores import NodeStores, create_slashing_db, open_stores
from zkpov.spec.codec.messages import decode_message, encode_message
from zkpov.spec.codec.payload import decode_payload, encode_payload
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import Block, QuorumCert, VoteData, compute_randao_signing_root
from zkpov.spec.payload import compute_root_bytes
from zkpov.spec.signing import VERIFICATION_CACHE
from zkpov.types import Height, Round, ValidatorIndex

COMMIT_BLOCKS = 100  # blocks per commit while building and replaying
QUIET_TAIL = 40  # no transfers in the last blocks but one, proven: the checkpoint's run


@dataclass
class Home:
    config: NodeConfig
    genesis: Genesis
    start: ChainStart
    secret: bytes
    public: bytes


def load_home(path: Path) -> Home:
    config = load_node_config(path)
    genesis = read_genesis(config.get_path(config.genesis_file))
    validator = read_key_file(config.get_path(config.validator_key_file), KeyKind.VALIDATOR)
    return Home(config, genesis, build_chain_start(genesis), validator.secret, validator.public)


def open_home(home: Home) -> NodeStores:
    genesis = build_genesis_state(home.genesis), compute_genesis_hash(home.genesis)
    data = home.config.get_path(home.config.db_dir)
    return open_stores(data, None, home.start, genesis, home.public)


def sign_qc(home: Home, block: Block, parent_round: int) -> QuorumCert:
    data = VoteData(block.epoch, block.round, block.id, Round(parent_round), block.parent_id)
    return QuorumCert(data, compute_bitfield([0], 1), bls.sign(home.secret, data.signing_root))


class ChainBuilder:
    """Blocks on top of genesis, each with its QC, transfers between two accounts."""

    def __init__(self, home: Home, layout: TestnetLayout) -> None:
        self.home, self.depth = home, home.genesis.circuit_tree_depth
        keys = [read_key_file(f, KeyKind.ACCOUNT) for f in layout.account_key_files[:2]]
        self.sender, self.to = keys
        self.indices = [compute_account_index(k.public, self.depth) for k in keys]
        self.state = build_genesis_state(home.genesis)
        self.reveal = bls.sign(home.secret, compute_randao_signing_root(home.start.vset.epoch))
        self.blocks, self.qcs = [home.start.block], [home.start.qc]
        self.nonce = 0
        vset = home.start.vset
        self.ledger, self.ledger_config = (
            compute_genesis_ledger(vset),
            get_ledger_config(vset, False),
        )

    def make_transfer(self) -> Transfer:
        self.nonce += 1
        sender, recipient = self.indices
        tag = self.state.chain_tag
        return sign_transfer(
            self.sender.secret, sender, recipient, self.to.public, 1, self.nonce, 0, tag
        )

    def add(self, transfers: list[Transfer]) -> None:
        parent, height = self.blocks[-1], len(self.blocks)
        if transfers:
            self.state.apply_transfers(transfers)
        block = Block(
            epoch=parent.epoch, round=Round(height), height=Height(height), parent_id=parent.id,
            proposer=ValidatorIndex(0), state_root=compute_root_bytes(self.state.root),
            qc=self.qcs[-1], payload=encode_payload([t.to_bytes() for t in transfers]),
            randao_reveal=self.reveal,
        )  # fmt: skip
        apply_ledger_block(self.ledger, self.ledger_config, self.home.start.vset, block)
        block = replace(block, staking_root=compute_staking_root(self.ledger))
        self.blocks.append(block)
        self.qcs.append(sign_qc(self.home, block, parent.round))


def build_chain(home: Home, layout: TestnetLayout, blocks: int, tx_every: int) -> ChainBuilder:
    """The chain in memory; the block at ``blocks - 2`` carries the one proven transfer."""
    builder = ChainBuilder(home, layout)
    proven = blocks - 2
    for height in range(1, blocks + 1):
        early = height % tx_every == 0 and height < blocks - QUIET_TAIL
        builder.add([builder.make_transfer()] if early or height == proven else [])
    return builder


def prove_block(home: Home, builder: ChainBuilder, height: int) -> bytes:
    genesis = home.genesis
    cache = home.config.get_path(home.config.key_cache_dir)
    pk, _ = load_circuit_keys(
        genesis.circuit_batch_size, genesis.circuit_tree_depth, cache,
        compute_genesis_hash(genesis),
    )  # fmt: skip
    pre = build_genesis_state(genesis)
    for block in builder.blocks[1:height]:
        if block.payload:
            pre.apply_transfers([builder_transfer(block)])
    proof, inputs = snark.prove(pk, pre, [builder_transfer(builder.blocks[height])])
    assert compute_root_bytes(inputs.post_root) == builder.blocks[height].state_root
    return proof


def builder_transfer(block: Block) -> Transfer:
    (tx,) = decode_payload(block.payload)
    return Transfer.from_bytes(tx)


def commit_all(stores: NodeStores, builder: ChainBuilder, server: FastSyncServer | None) -> None:
    blocks, qcs = builder.blocks, builder.qcs
    for first in range(1, len(blocks), COMMIT_BLOCKS):
        chunk = tuple(blocks[first : first + COMMIT_BLOCKS])
        last = chunk[-1].height
        stores.chain.on_commit(Commit(chunk, qcs[last]), qcs[last])
        if server is not None:
            server.on_commit(chunk, stores.chain.state)


@contextmanager
def serve(server: FastSyncServer) -> Iterator[str]:
    """The fast-sync routes on loopback, in a thread of their own."""
    app = web.Application(middlewares=[on_error])
    app[FAST_SYNC_KEY] = server
    for route in FAST_SYNC_ROUTES:
        app.router.add_route(route.method, route.path, route.handler)
    loop, runner = asyncio.new_event_loop(), web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    port = find_free_base_port(1)
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.run_until_complete(runner.cleanup())
        loop.close()


def fresh_home(source: Path, target: Path, home: Home) -> Home:
    """A copy of the validator's home without its chain: an empty store, a new slashing DB."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("data"))
    copy = load_home(target)
    create_slashing_db(copy.config.get_path(copy.config.db_dir), compute_genesis_hash(home.genesis))
    return copy


def time_replay(home: Home, encoded: list[bytes], qcs: list[QuorumCert]) -> float:
    stores = open_home(home)
    VERIFICATION_CACHE.results.clear()  # no pairing result from an earlier run
    started = time.perf_counter()
    try:
        vset = home.start.vset
        for first in range(0, len(encoded), COMMIT_BLOCKS):
            chunk = tuple(decode_message(data) for data in encoded[first : first + COMMIT_BLOCKS])
            for block in chunk:
                verify_qc(block.qc, vset, home.start.qc)  # genesis's QC is trusted as is
            last = chunk[-1].height
            verify_qc(qcs[last], vset)
            stores.chain.on_commit(Commit(chunk, qcs[last]), qcs[last])
        return time.perf_counter() - started
    finally:
        stores.store.close()
        stores.slashing.close()


def time_fast_sync(home: Home, url: str, expected: tuple[int, int]) -> float:
    VERIFICATION_CACHE.results.clear()
    started = time.perf_counter()
    result = run_fast_sync(home.config, url)
    seconds = time.perf_counter() - started
    assert result is not None, "fast sync fell back to replay"
    stores = open_home(home)  # the installed chain opens, its accounts checked against the root
    try:
        assert (stores.chain.height, stores.chain.state.root) == expected
    finally:
        stores.store.close()
        stores.slashing.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tx-every", type=int, default=50)
    parser.add_argument("--accounts", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_bench(Path(tmp), args.blocks, args.repeat, args.tx_every, args.accounts)


def run_bench(tmp: Path, blocks: int, repeat: int, tx_every: int, accounts: int) -> None:
    port = find_free_base_port(2)
    layout = create_testnet(tmp / "net", 1, accounts=accounts, base_port=port, circuit=(1, 16))
    source = layout.homes[0]
    home = load_home(source)
    started = time.perf_counter()
    builder = build_chain(home, layout, blocks, tx_every)
    proof = prove_block(home, builder, blocks - 2)
    stores = open_home(home)
    top = blocks - 1
    server = FastSyncServer(stores.chain, lambda: (top, {blocks - 2: proof}))
    commit_all(stores, builder, server)
    print(f"built {blocks} blocks ({blocks // tx_every} transfers, {accounts} accounts) in"
          f" {time.perf_counter() - started:.1f} s")  # fmt: skip
    encoded = [encode_message(block) for block in builder.blocks[1:]]
    expected = (top, builder_state_at(builder, top))
    replay, fast = [], []
    with serve(server) as url:
        for trial in range(repeat):
            joiner = fresh_home(source, source.parent / "replayer", home)
            replay.append(time_replay(joiner, encoded, builder.qcs))
            joiner = fresh_home(source, source.parent / "fast-syncer", home)  # same key cache
            fast.append(time_fast_sync(joiner, url, expected))
            print(f"run {trial + 1}: replay {replay[-1]:.2f} s, fast sync {fast[-1]:.2f} s")
    stores.store.close()
    stores.slashing.close()
    r, f = statistics.median(replay), statistics.median(fast)
    print(f"median over {repeat}: replay {r:.2f} s (lower bound), fast sync {f:.2f} s,"
          f" ratio {r / f:.1f}x; load average {os.getloadavg()[0]:.2f}")  # fmt: skip


def builder_state_at(builder: ChainBuilder, height: int) -> int:
    """The state root at ``height`` (no transfers after it in the chain built here)."""
    return int.from_bytes(builder.blocks[height].state_root, "big")


if __name__ == "__main__":
    main()
