"""A validator node, assembled: config, keys and genesis in; each service built and wired.

``Node(config)`` opens everything synchronously (typed errors for bad files); ``await
node.run(stop)`` serves until ``stop`` is set, then closes the transport and the stores. What
each part does lives with its service:

- stores and chain data: :mod:`~zkpov.node.state` (the committed chain, the mempool);
- consensus: the driver runs the core (:mod:`~zkpov.node.consensus_io.driver`), cores come from
  durable state (:mod:`~zkpov.node.consensus_io.durable_core`), frames travel through the
  reactor, own signatures through the slashing guard, peers that keep sending invalid input are
  banned (:mod:`~zkpov.node.consensus_io.peer_penalties`);
- commits: :mod:`~zkpov.node.state.commit_pipeline`, heard by the RPC's events and metrics
  through :mod:`~zkpov.node.rpc.commit_feed`;
- proofs: :mod:`~zkpov.node.proving`, its parts built by :mod:`~zkpov.node.prover_assembly`;
- the RPC over a :class:`~zkpov.node.rpc.runtime_view.RuntimeView` of the parts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from zkpov.consensus.actions import Commit
from zkpov.node.consensus_io.committed_answers import get_committed_answer
from zkpov.node.consensus_io.driver import ConsensusDriver, DriverHooks, Outbox
from zkpov.node.consensus_io.durable_core import DurableCore
from zkpov.node.consensus_io.epoch_commits import get_commit_ending, get_commit_root_qc
from zkpov.node.consensus_io.peer_log import PeerLog
from zkpov.node.consensus_io.peer_penalties import PeerPenalties
from zkpov.node.consensus_io.reactor import (
    NetworkOutbox,
    build_transport,
    make_ban,
    route_consensus_frames,
)
from zkpov.node.consensus_io.registry_keys import UNREGISTERED, RegistryKeys
from zkpov.node.consensus_io.slashing_guard import SlashingGuard
from zkpov.node.consensus_io.tx_gossip import TxGossip
from zkpov.node.fast_sync.server import FastSyncServer
from zkpov.node.ops.config import NodeConfig
from zkpov.node.ops.fd_limit import raise_fd_limit
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.prover_assembly import build_pipeline, build_prover, load_keys
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.commit_feed import CommitFeed
from zkpov.node.rpc.economics_feed import EconomicsFeed
from zkpov.node.rpc.epoch_feed import EpochFeed
from zkpov.node.rpc.events import EventHub
from zkpov.node.rpc.live_metrics import LiveMetrics
from zkpov.node.rpc.metrics import NodeMetrics
from zkpov.node.rpc.runtime_view import RuntimeView, ViewParts
from zkpov.node.rpc.server import RpcConfig, RpcServer
from zkpov.node.state.block_capacity import get_block_capacity
from zkpov.node.state.bootstrap import build_chain_start, build_genesis_state, get_validator_index
from zkpov.node.state.commit_pipeline import CommitPipeline, NodeCounters
from zkpov.node.state.epoch_endings import EpochEndingStore
from zkpov.node.state.genesis import Genesis, compute_genesis_hash, read_genesis
from zkpov.node.state.mempool import AddResult, Mempool
from zkpov.node.state.stake_admission import StakeRules
from zkpov.node.state.stores import open_stores
from zkpov.spec.messages import BlockRequest, BlockResponse
from zkpov.spec.signing import SignatureScheme
from zkpov.types import Epoch, ValidatorIndex

__all__ = ["Node", "OutboxWrapper"]

log = logging.getLogger(__name__)

# What a test network's attack mode puts around the outbox: (outbox, index, secret key, scheme).
OutboxWrapper = Callable[[Outbox, ValidatorIndex, bytes, SignatureScheme], Outbox]


class Node:
    def __init__(
        self,
        config: NodeConfig,
        *,
        init_slashing_protection: bool = False,
        wrap_outbox: OutboxWrapper | None = None,
    ) -> None:
        """``init_slashing_protection``: create a missing slashing database (dangerous: only
        for a validator key that has never signed; see :mod:`~zkpov.node.state.stores`).
        ``wrap_outbox``: an attack mode's wrapper around what leaves after the slashing guard
        (test networks only; see ``zkpov start --byzantine``)."""
        self.config = config
        self._wrap_outbox = wrap_outbox
        self.genesis: Genesis = read_genesis(config.get_path(config.genesis_file))
        self.validator = read_key_file(
            config.get_path(config.validator_key_file), KeyKind.VALIDATOR
        )
        node_key = read_key_file(config.get_path(config.node_key_file), KeyKind.NODE)
        self.start = build_chain_start(self.genesis)
        if not self.genesis.epochs:  # nobody joins: the key must be a genesis validator's
            get_validator_index(self.start, self.validator.public)
        # the circuit keys before any store opens: a refused key writes nothing
        self._keys = load_keys(config, self.genesis)
        self._open_stores(init_slashing_protection)
        self.pubkeys = RegistryKeys(lambda: self.chain.ledger.state.validators)
        registered = self.pubkeys.get_index(self.validator.public)
        self.index = UNREGISTERED if registered is None else registered
        self.counters = NodeCounters()
        self.events = EventHub()
        self.metrics = NodeMetrics()
        self.mempool = Mempool(
            lambda: self.chain.state, config.mempool_max_txs, config.mempool_max_bytes,
            config.mempool_min_fee, is_committed=lambda h: self.store.get_tx_height(h) is not None,
            on_rejected=self.metrics.on_transfer_rejected,
            stakes=StakeRules(lambda: self.chain.ledger.state, self.chain.ledger.config),
        )  # fmt: skip
        self.epoch_feed = EpochFeed(self.events, self.metrics)
        epoch_vset = self.chain.ledger.epoch_vset  # the genesis set without epochs
        self.epoch_feed.on_start(epoch_vset.epoch, tuple(int(s) for s in epoch_vset.stakes))
        self.transport = build_transport(
            self.genesis.chain_id, node_key.secret, self.validator.secret, self.pubkeys
        )
        self.live_metrics = LiveMetrics(self.metrics, self.transport, lambda: len(self.mempool))
        self.transport.add_listeners(
            self.live_metrics.on_peers_changed, self.live_metrics.on_peers_changed
        )
        PeerLog(self.pubkeys).attach(self.transport)
        self.gossip = TxGossip(self.transport, self.mempool)
        self.prover = build_prover(
            self._keys, config, self.genesis, self.chain, self.store, self.gossip.publish_proof,
            lambda height: self.commits.on_proven_final(height), self.metrics,
        )  # fmt: skip
        self.gossip.prover = self.prover
        self.pipeline = build_pipeline(
            self.prover, config, self.chain, self.index, len(self.pubkeys), self.endings,
            self._start_task,
        )  # fmt: skip
        self.feed = CommitFeed(self.events, self.metrics, self.start.vset)
        self.economics = EconomicsFeed(self.events, self.metrics.economics)
        self.economics.on_start(self.chain.ledger.state)
        self.commits = CommitPipeline(
            self.chain, self.mempool, self.prover, self.pipeline, config.proofs_enabled,
            self.feed, self.counters, self.economics,
        )  # fmt: skip
        self.fast_sync = FastSyncServer(self.chain, self._get_proven)
        self.cores = self._build_durable_core()
        self.driver = self._build_driver()
        if self.prover is not None:  # after a restart: the proofs already held
            self.prover.restore(self.chain.height)
        if self.pipeline is not None:  # after a restart: the batches still owed a proof
            genesis_state = build_genesis_state(self.genesis)
            self.pipeline.restore(self.cores.get_unproven_heights(), genesis_state)
        self._tasks: set[asyncio.Task[None]] = set()

    def _open_stores(self, init_slashing: bool) -> None:
        genesis = build_genesis_state(self.genesis), compute_genesis_hash(self.genesis)
        stores = open_stores(
            self.config.get_path(self.config.db_dir), self.config.prune_keep_blocks or None,
            self.start, genesis, self.validator.public, init_slashing, self.genesis.epochs,
        )  # fmt: skip
        self.store, self.chain, self.slashing = stores.store, stores.chain, stores.slashing
        self.safety_store = stores.safety
        self.endings = EpochEndingStore(self.store)

    def _build_durable_core(self) -> DurableCore:
        batch, lag = self.genesis.circuit_batch_size, self.genesis.consensus.proof_lag
        return DurableCore(
            self.start, self.index, self.validator.secret, self.chain, self.safety_store,
            self.mempool, self.prover,
            max_transfers=get_block_capacity(
                self.config.max_block_transfers, self.config.proofs_enabled, batch
            ),
            proof_lag=lag, vk=self.prover.vk if self.prover is not None else None,
            observe_verify=self.metrics.observe_proof_verification,
            epochs=self.genesis.epochs, endings=self.endings.load(),
        )  # fmt: skip

    def _build_driver(self) -> ConsensusDriver:
        own = self.index if not self.genesis.epochs else self._get_signing_index
        guard = SlashingGuard(self.slashing, own, self.validator.public)
        ban = make_ban(self.transport, self.pubkeys)
        penalties = PeerPenalties(self.index, ban, self.metrics, pubkeys=self.pubkeys)
        self.gossip.on_offence = penalties.on_peer_offence
        hooks = DriverHooks(
            self._on_commit,
            self.commits.on_evidence, guard,
            self._after_consensus_step,
            on_rejected=penalties.on_rejected,
            on_core_restart=lambda err: self.metrics.on_core_restart(),
            on_proposal=self.feed.on_proposal, serve_blocks=self._serve_committed,
        )  # fmt: skip
        driver = ConsensusDriver(
            self.cores.build(), self._build_outbox(), self.safety_store, hooks,
            rebuild=self.cores.build,
        )  # fmt: skip
        route_consensus_frames(self.transport, driver, self.pubkeys)
        self.gossip.register()
        return driver

    def _build_outbox(self) -> Outbox:
        outbox: Outbox = NetworkOutbox(self.transport, self.pubkeys)
        if self._wrap_outbox is None:
            return outbox
        return self._wrap_outbox(outbox, self.index, self.validator.secret, self.start.vset.scheme)

    def _serve_committed(self, request: BlockRequest) -> BlockResponse | None:
        """Committed blocks from the store (:mod:`zkpov.node.consensus_io.committed_answers`)."""
        return get_committed_answer(self.chain, request)

    def _get_signing_index(self, epoch: int) -> ValidatorIndex | None:
        return self.driver.get_signing_index(Epoch(epoch))

    def _on_commit(self, commit: Commit) -> None:
        self.feed.vset = self.chain.ledger.epoch_vset  # the set that certified these blocks
        ending = get_commit_ending(self.driver, commit)
        if ending is not None:  # stored in the batch that commits its R
            self.chain.stage_state(*EpochEndingStore.get_entry(ending.ending))
        root_qc = get_commit_root_qc(self.driver, ending)
        self.commits.on_commit(commit, root_qc, self.cores.get_post_state)
        self.fast_sync.on_commit(commit.blocks, self.chain.state)
        if ending is not None:  # the commit of R is durable
            self.epoch_feed.on_ending(ending.ending, ending.old_members)

    def _get_proven(self) -> tuple[int, Mapping[int, bytes]] | None:
        """The proven-final height and the proofs held, for fast sync (None: no prover)."""
        prover = self.prover
        return None if prover is None else (prover.proven_final_height, prover.proofs)

    def _after_consensus_step(self) -> None:
        self.cores.save_progress(self.driver.core.tree)
        self.live_metrics.on_step(self.driver.core)
        self.feed.on_certified(self.driver.core.tree)
        self._check_registration()

    def _check_registration(self) -> None:
        """A validator that joins by transaction runs as an observer until its key is in the
        committed registry; then its cores are rebuilt under its registry index, so that it
        votes from the first epoch whose set holds it."""
        if self.index != UNREGISTERED or self.validator.public not in self.pubkeys:
            return
        self.index = ValidatorIndex(self.pubkeys.index(self.validator.public))
        self.cores.index = self.index
        if self.pipeline is not None:
            self.pipeline.index = self.index
        log.info("validator key registered at index %d: taking part from its epoch", self.index)
        self.driver.rebuild_core()

    def submit_tx(self, tx: bytes) -> AddResult:
        """Admits a transfer from a client and gossips it if admitted."""
        return self.gossip.submit_tx(tx)

    # -- lifecycle ----------------------------------------------------------------------------

    def _start_task(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self, stop: asyncio.Event) -> None:
        raise_fd_limit()  # connection bursts meet the node's caps before EMFILE
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
        parts = ViewParts(
            self.genesis, self.start, self.index, self.chain, self.driver, self.transport,
            self.config.p2p_listen, self.gossip, self.prover, self.events, self.endings,
            self.validator.public,
        )  # fmt: skip
        app = create_app(
            RuntimeView(parts), metrics=self.metrics, config=config, fast_sync=self.fast_sync
        )
        return RpcServer(app, config)

    def close(self) -> None:
        if self.prover is not None:
            self.prover.backend.close()
        self.store.close()
        self.slashing.close()
