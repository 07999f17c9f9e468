"""A validator node: config, keys and genesis in; consensus over Noise TCP; LMDB, slashing DB.

``Node(config)`` opens everything synchronously (typed errors for bad files); ``await
node.run(stop)`` serves until ``stop`` is set, then closes the transport and the stores. The
sans-I/O core runs in a :class:`~zkpov.node.consensus_io.driver.ConsensusDriver`; commits go to
the :class:`~zkpov.node.state.committed_chain.CommittedChain` (atomic, before anyone is told)
and then to the mempool and the event subscribers. A core that fails, or whose commit the
committed chain refuses, is replaced by one that ``_build_core`` rebuilds from durable state, as
at boot; peers that keep sending invalid consensus input are banned
(:mod:`~zkpov.node.consensus_io.peer_penalties`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from zkpov.chain.state import Transfer
from zkpov.consensus.actions import Commit, RecordEvidence
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.proof_carry import CarriedProofs
from zkpov.consensus.proposals import BlockBody
from zkpov.consensus.recovery import apply_recovery
from zkpov.consensus.validity import NativeReexecution, ValidityChecker
from zkpov.crypto import snark
from zkpov.network.connection import TransportConfig
from zkpov.network.noise import NodeIdentity, NodeKey
from zkpov.network.transport import Transport
from zkpov.node.consensus_io.driver import ConsensusDriver, DriverHooks
from zkpov.node.consensus_io.peer_penalties import PeerPenalties
from zkpov.node.consensus_io.reactor import NetworkOutbox, make_ban, route_consensus_frames
from zkpov.node.consensus_io.slashing_guard import SlashingGuard
from zkpov.node.consensus_io.tx_gossip import TxGossip
from zkpov.node.ops.config import NodeConfig
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.proving.proof_chain import (
    ProvingPipeline,
    build_carried_checker,
    get_carried,
    make_block_body,
)
from zkpov.node.proving.prover import ProofTracker, load_devnet_keys
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.events import EventHub
from zkpov.node.rpc.metrics import CommitStats, NodeMetrics
from zkpov.node.rpc.runtime_view import RuntimeView
from zkpov.node.rpc.server import RpcConfig, RpcServer
from zkpov.node.rpc.view import EventKind, NodeEvent
from zkpov.node.state.bootstrap import (
    build_chain_start,
    build_core,
    build_genesis_state,
    get_validator_index,
)
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.node.state.genesis import Genesis, compute_genesis_hash, read_genesis
from zkpov.node.state.mempool import AddResult, Mempool
from zkpov.spec.codec.payload import decode_payload, encode_payload
from zkpov.spec.messages import Block
from zkpov.storage.block_store import StoreConfig
from zkpov.storage.lmdb_store import LmdbBlockStore
from zkpov.storage.safety_store import FileSafetyStore
from zkpov.storage.slashing_db import SlashingDB

__all__ = ["CommitEvent", "Node"]

log = logging.getLogger(__name__)

UNPROVEN_BLOCK_TRANSFERS = 64
RECONNECT_BACKOFF_CAP = 5.0  # seconds: a restarted validator is redialled quickly


@dataclass(frozen=True)
class CommitEvent:
    height: int
    block_id: bytes
    round: int
    transfers: int
    committed_at: float


@dataclass
class NodeCounters:
    txs_committed: int = 0
    evidence: list[RecordEvidence] = field(default_factory=list)
    commit_times: list[float] = field(default_factory=list)


class Node:
    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        self.genesis: Genesis = read_genesis(config.get_path(config.genesis_file))
        self.validator = read_key_file(
            config.get_path(config.validator_key_file), KeyKind.VALIDATOR
        )
        node_key = read_key_file(config.get_path(config.node_key_file), KeyKind.NODE)
        self.start = build_chain_start(self.genesis)
        self.index = get_validator_index(self.start, self.validator.public)
        self._open_stores()
        self.mempool = Mempool(
            config.mempool_max_txs, config.mempool_max_bytes, config.mempool_min_fee
        )
        self.counters = NodeCounters()
        self.subscribers: list[Callable[[CommitEvent], None]] = []
        self.events = EventHub()
        self.metrics = NodeMetrics()
        identity = NodeIdentity(
            self.genesis.chain_id.encode(), NodeKey(node_key.secret), self.validator.secret
        )
        members = set(self.start.vset.pubkeys)
        transport_config = TransportConfig(backoff_cap=RECONNECT_BACKOFF_CAP)
        self.transport = Transport(identity, lambda pk: pk in members, transport_config)
        # proofs_enabled: this node proves; with a proof lag every node also collects and checks
        # gossiped proofs, so that any proposer can carry them
        carries = config.proofs_enabled or self.genesis.consensus.proof_lag > 0
        self.gossip = TxGossip(self.transport, self.mempool)
        self.prover = self._build_prover() if carries else None
        self.gossip.prover = self.prover
        self.driver = self._build_driver()
        self.pipeline = self._build_pipeline()
        self._tasks: set[asyncio.Task[None]] = set()

    def _build_prover(self) -> ProofTracker:
        pk, vk = self._load_circuit_keys()
        return ProofTracker(
            pk, vk, self.chain.get_block, self.gossip.publish_proof, self._on_proven_final,
            observe_prove=self.metrics.observe_proof_generation,
            observe_verify=self.metrics.observe_proof_verification,
            carried_only=self.genesis.consensus.proof_lag > 0,
        )  # fmt: skip

    def _load_circuit_keys(self) -> tuple[snark.ProvingKey, snark.VerifyingKey]:
        cache = self.config.get_path(self.config.key_cache_dir)
        batch, depth = self.genesis.circuit_batch_size, self.genesis.circuit_tree_depth
        return load_devnet_keys(batch, depth, cache, compute_genesis_hash(self.genesis))

    def _open_stores(self) -> None:
        data = self.config.get_path(self.config.db_dir)
        data.mkdir(parents=True, exist_ok=True, mode=0o700)
        keep = self.config.prune_keep_blocks or None
        self.store = LmdbBlockStore(data / "blocks", StoreConfig(keep_last=keep))
        self.chain = CommittedChain(self.store, self.start, build_genesis_state(self.genesis))
        self.safety_store = FileSafetyStore(data / "safety.bin")
        self.slashing = SlashingDB(data / "slashing.sqlite", compute_genesis_hash(self.genesis))

    def _build_core(self) -> ConsensusCore:
        """A core from durable state: the committed chain's root and accounts, the safety data
        and the recovery data. The first boot and every restart after a core fault use this."""
        root = self.chain.get_root()
        self.native = NativeReexecution(root[0].id, self.chain.state.copy(), Transfer.from_bytes)
        self.checker = self._build_checker()
        core = build_core(
            self.start, self.index, self.validator.secret, self.safety_store.load(), self.checker,
            payload_source=self._make_body, root=root, history=self.chain.blocks,
        )  # fmt: skip
        apply_recovery(core, self.chain.get_recovery_data())
        self._saved_hqc = core.tree.hqc
        return core

    def _build_driver(self) -> ConsensusDriver:
        pubkeys = tuple(bytes(pk) for pk in self.start.vset.pubkeys)
        guard = SlashingGuard(self.slashing, self.index, self.validator.public)
        penalties = PeerPenalties(self.index, make_ban(self.transport, pubkeys), self.metrics)
        hooks = DriverHooks(
            self._on_commit, self._on_evidence, guard, self._save_progress,
            on_rejected=penalties.on_rejected,
            on_core_restart=lambda err: self.metrics.on_core_restart(),
        )  # fmt: skip
        driver = ConsensusDriver(
            self._build_core(), NetworkOutbox(self.transport, pubkeys), self.safety_store, hooks,
            rebuild=self._build_core,
        )  # fmt: skip
        route_consensus_frames(self.transport, driver, pubkeys)
        self.gossip.register()
        return driver

    # -- transactions -----------------------------------------------------------------------

    @property
    def max_block_transfers(self) -> int:
        """What the prover can prove per block (the circuit's batch), or a cap without proofs."""
        if self.config.proofs_enabled:
            return self.genesis.circuit_batch_size
        return UNPROVEN_BLOCK_TRANSFERS

    def submit_tx(self, tx: bytes) -> AddResult:
        """Adds a transfer from a client (``DecodeError`` if malformed) and gossips it."""
        return self.gossip.submit_tx(tx)

    def _on_proven_final(self, height: int) -> None:
        self.metrics.on_proven_final(height)
        block = self.chain.get_block(height)
        if block is not None:
            event = NodeEvent(
                EventKind.PROVEN_FINAL, block.height, block.id, block.state_root, block.round, 0
            )
            self.events.publish(event)

    def _build_checker(self) -> ValidityChecker:
        """Re-execution, plus the carried-proof rules when the genesis sets a proof lag."""
        if not self.genesis.consensus.proof_lag:
            return self.native
        vk = self.prover.vk if self.prover is not None else self._load_circuit_keys()[1]
        committed = self.chain.get_retained_chain()
        return build_carried_checker(
            self.native, committed, self.genesis.consensus.proof_lag, vk,
            self.metrics.observe_proof_verification,
        )  # fmt: skip

    def _make_body(self, parent: Block) -> BlockBody:
        if not isinstance(self.checker, CarriedProofs):
            return BlockBody(self._make_payload(parent))
        proofs = self.prover.proofs if self.prover is not None else {}
        return make_block_body(self.checker, parent, proofs, self._make_payload)

    def _make_payload(self, parent: Block) -> bytes:
        state = self.native.states.get(parent.id)
        if state is None or (self.prover is not None and self.prover.is_busy()):
            return b""  # backpressure: no new transfers while our last batch is being proven
        chosen = self.mempool.select(state, self.max_block_transfers)
        return encode_payload([t.to_bytes() for t in chosen])

    # -- consensus outputs ------------------------------------------------------------------

    def _on_commit(self, commit: Commit) -> None:
        root_qc = self.driver.core.tree.root_qc
        txs, pre_states = self.chain.on_commit(commit, root_qc, self._owes_proof)
        if self.pipeline is not None:
            self.pipeline.on_commit(pre_states)
        self.mempool.remove(txs)
        self.mempool.remove_stale(self.chain.state)
        self.counters.txs_committed += len(txs)
        now = time.time()
        for block in commit.blocks:
            self._announce(block, len(decode_payload(block.payload)), now)
        self.metrics.on_mempool_size(len(self.mempool))

    def _owes_proof(self, block: Block) -> bool:
        return self.config.proofs_enabled and bool(block.payload)

    def _build_pipeline(self) -> ProvingPipeline | None:
        if self.prover is None or not self.config.proofs_enabled:
            return None
        size = len(self.start.vset.pubkeys)
        pipeline = ProvingPipeline(
            self.prover, self.chain, self.index, size, self._start_task,
            patience=self.config.proof_rescue_seconds,
        )  # fmt: skip
        if isinstance(self.checker, CarriedProofs):
            debt = self.checker.get_debt(self.chain.get_root()[0].id) or ()
            pipeline.restore([d.height for d in debt], build_genesis_state(self.genesis))
        return pipeline

    def _start_task(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _announce(self, block: Block, num_txs: int, now: float) -> None:
        self.counters.commit_times.append(now)
        event = CommitEvent(block.height, block.id, block.round, num_txs, now)
        for notify in list(self.subscribers):
            notify(event)
        kind = EventKind.FINALIZED
        self.events.publish(
            NodeEvent(kind, block.height, block.id, block.state_root, block.round, num_txs)
        )
        self.metrics.on_block_committed(CommitStats(block.height, num_txs, 0, 0, time.monotonic()))
        if self.prover is not None:
            for height, proof in get_carried(block):
                self.prover.record_carried(height, proof)
            self.prover.on_commit(block.height)

    def _save_progress(self) -> None:
        tree = self.driver.core.tree
        if tree.hqc is self._saved_hqc:
            return
        chain, block = [], tree.get(tree.hqc.block_id)
        while block is not None and block.height > tree.root.height:
            chain.append(block)
            block = tree.get(block.parent_id)
        self.chain.save_pending(tuple(reversed(chain)), tree.hqc)
        self._saved_hqc = tree.hqc

    def _on_evidence(self, evidence: RecordEvidence) -> None:
        log.warning("evidence of %s by validator %d", evidence.kind, evidence.offender)
        self.counters.evidence.append(evidence)

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        host, port = self.config.p2p_listen
        await self.transport.start(host, port)
        for peer in self.config.peers:
            self.transport.add_persistent_peer(peer.host, peer.port, peer.validator_public_key)
        rpc = self._make_rpc_server()
        if self.pipeline is not None:
            self._start_task(self.pipeline.run())
        try:
            await rpc.start()
            await self.driver.run(stop)
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await rpc.stop()
            self.events.close()
            await self.transport.close()
            self.close()

    def _make_rpc_server(self) -> RpcServer:
        host, port = self.config.rpc_listen
        config = RpcConfig(host=host, port=port)
        return RpcServer(create_app(RuntimeView(self), metrics=self.metrics, config=config), config)

    def close(self) -> None:
        if self.prover is not None:
            self.prover.backend.close()
        self.store.close()
        self.slashing.close()
