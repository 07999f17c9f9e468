"""Validity proofs for committed batches: who proves, how proofs travel, what is proven-final.

The proposer of a committed block with transfers proves it (Groth16, in a worker thread: the
native prover releases the GIL) and gossips ``(height, proof)``. If no proof of a batch arrives
within a patience window (its proposer crashed, restarted or is slow), the other validators prove
it themselves, one after another in validator order (:meth:`ProofTracker.get_due`). Every node
verifies a proof against its own committed block: public inputs ``(parent state root, block
state root, batch commitment)``. A block is *proven-final* once it and every earlier block with
transfers have a settling proof; blocks without transfers need none.

With ``proof_lag > 0`` in the genesis consensus config (the devnet's default) gossip only brings
proofs to the next proposers: a later block carries them, every validator checks them before voting
(:mod:`zkpov.consensus.proof_carry`), and only a proof inside a committed block settles
(docs/design.md, "Validity proofs"); the lag rule holds back transfers when proofs fall behind. With
``proof_lag = 0`` proofs travel as gossip only and a verified gossiped proof settles. Validators
still re-execute the transfers of the block they vote for (its own proof comes later). A proposer
with a proof still running also includes no transfers.

The proving key comes from ``insecure_setup`` seeded with the genesis hash
(:mod:`zkpov.node.ops.key_cache`), so every node of a devnet derives the same keys: anyone who
knows the genesis can forge proofs. Devnets only.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from zkpov.chain.operations import Operation
from zkpov.chain.proof_inputs import compute_block_public_inputs
from zkpov.chain.state import AccountState
from zkpov.crypto import snark
from zkpov.errors import DecodeError, ZkpovError
from zkpov.node.proving.proof_store import ProofStore
from zkpov.spec.messages import Block
from zkpov.spec.payload import ProofAnnouncement
from zkpov.storage.lmdb_store import CorruptStoreError

__all__ = [
    "LocalProver",
    "OwedBatch",
    "ProofTracker",
    "ProverBackend",
]

log = logging.getLogger(__name__)

MAX_PENDING_ANNOUNCEMENTS = 256
RESCUE_PATIENCE_SECONDS = 30.0  # before proving another proposer's batch (see get_due)
MAX_CONCURRENT_PROOFS = 1  # locally: proving already uses every core (rayon)


@dataclass
class OwedBatch:
    """A committed block with transfers and no verified proof yet, and what proving it takes."""

    pre_state: AccountState
    transfers: list[Operation]  # the block's operations of every kind, payouts included
    proposer: int
    committed_at: float  # time.monotonic()


class ProverBackend(Protocol):
    """Where proofs are computed. The default is :class:`LocalProver`; a Dask cluster
    (:class:`~zkpov.node.proving.dask_prover.DaskProver`) implements the same call. The tracker
    proves up to ``max_concurrent`` batches at once, and verifies every proof it gets."""

    max_concurrent: int

    async def prove(
        self, pk: snark.ProvingKey, pre_state: AccountState, transfers: Sequence[Operation]
    ) -> bytes: ...

    def close(self) -> None: ...


class LocalProver:
    """Proves on a local thread pool (one proof at a time by default): the native prover
    releases the GIL and spreads each proof over rayon's threads (``RAYON_NUM_THREADS``, set from
    the node's ``prover_threads``), so the event loop keeps serving consensus meanwhile."""

    def __init__(self, workers: int = MAX_CONCURRENT_PROOFS) -> None:
        self.max_concurrent = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="zkpov-prover")

    async def prove(
        self, pk: snark.ProvingKey, pre_state: AccountState, transfers: Sequence[Operation]
    ) -> bytes:
        loop = asyncio.get_running_loop()
        job = functools.partial(snark.prove, pk, pre_state, list(transfers))
        proof, _ = await loop.run_in_executor(self._pool, job)
        return proof

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class ProofTracker:
    """Proves own committed batches, verifies everyone's, tracks the proven-final height."""

    pk: snark.ProvingKey
    vk: snark.VerifyingKey
    get_block: Callable[[int], Block | None]
    publish: Callable[[ProofAnnouncement], None]
    on_proven_final: Callable[[int], None]
    proofs: dict[int, bytes] = field(default_factory=dict)  # verified, by height
    settled: set[int] = field(default_factory=set)  # heights whose proof counts for proven-final
    carried_only: bool = False  # proof_lag > 0: only a proof inside a committed block settles
    pending: dict[int, bytes] = field(default_factory=dict)
    proven_final_height: int = 0
    proofs_verified: int = 0
    observe_prove: Callable[[float], None] = lambda seconds: None
    observe_verify: Callable[[float], None] = lambda seconds: None
    owed: dict[int, OwedBatch] = field(default_factory=dict)
    proving: set[int] = field(default_factory=set)
    backend: ProverBackend = field(default_factory=LocalProver)
    store: ProofStore | None = None  # keeps proofs and the proven-final height across restarts
    get_base: Callable[[], int] = lambda: 0  # below it blocks were pruned: so are their proofs
    chain_tag: int = 0  # the network's (genesis) chain tag: the public inputs depend on it
    _forgotten_below: int = field(default=0, init=False, repr=False)

    @property
    def vk_circuit_id(self) -> str:
        return self.pk.config.circuit_id

    def is_busy(self) -> bool:
        """True when the backend takes no more batches now (a proposer then adds no transfers)."""
        return len(self.proving) >= self.backend.max_concurrent

    def owe(self, height: int, batch: OwedBatch) -> None:
        """Remembers a committed batch until some proof of it is verified."""
        if height not in self.proofs:
            self.owed[height] = batch

    def get_due(
        self, now: float, index: int, size: int, patience: float = RESCUE_PATIENCE_SECONDS
    ) -> list[int]:
        """Owed heights this node should start proving now, oldest first: its own batches at
        once; another proposer's after ``patience x (our distance from it in the validator
        order)`` seconds, so a crashed or restarted prover's batch is picked up by one node at a
        time and the lag rule cannot stall transfers for good."""
        free = self.backend.max_concurrent - len(self.proving)
        due = [
            height
            for height, batch in sorted(self.owed.items())
            if height not in self.proving
            and now >= batch.committed_at + patience * ((index - batch.proposer) % size)
        ]
        return due[: max(0, free)]

    async def prove(self, height: int) -> None:
        """Proves an owed batch off the event loop (the native prover releases the GIL), then
        verifies the proof and announces it only if it verified: a backend is never trusted."""
        batch = self.owed.get(height)
        if batch is None or height in self.proving:
            return
        self.proving.add(height)
        try:
            start = time.perf_counter()
            proof = await self.backend.prove(self.pk, batch.pre_state, batch.transfers)
            elapsed = time.perf_counter() - start
            self.observe_prove(elapsed)
            seconds = round(elapsed, 3)
            log.info(
                "proved block %d in %.2f s", height, seconds,
                extra={"height": height, "seconds": seconds},
            )  # fmt: skip
        except ZkpovError as err:
            log.error("could not prove block %d: %s", height, err)
            return
        finally:
            self.proving.discard(height)
        self.on_announcement(ProofAnnouncement(height, proof))
        if self.proofs.get(height) == proof:
            self.publish(ProofAnnouncement(height, proof))

    def on_announcement(self, announcement: ProofAnnouncement) -> None:
        """Verifies a proof for a committed height, or keeps it until that height commits."""
        if announcement.height in self.proofs or announcement.height <= 0:
            return
        if self.get_block(announcement.height) is None:
            if len(self.pending) < MAX_PENDING_ANNOUNCEMENTS:
                self.pending[announcement.height] = announcement.proof
            return
        self._verify(announcement.height, announcement.proof)

    def on_commit(self, height: int) -> None:
        proof = self.pending.pop(height, None)
        if proof is not None:
            self._verify(height, proof)
        self._advance()
        self._forget_below(self.get_base())

    def _forget_below(self, base: int) -> None:
        """Drops the proofs of pruned blocks, as the store does: memory stays bounded."""
        if base <= self._forgotten_below:
            return
        self._forgotten_below = base
        for height in [h for h in self.proofs if h < base]:
            del self.proofs[height]
            self.settled.discard(height)

    def _verify(self, height: int, proof: bytes) -> None:
        block, parent = self.get_block(height), self.get_block(height - 1)
        if block is None or parent is None or not block.payload:
            return
        start = time.perf_counter()
        inputs = compute_block_public_inputs(block, parent, self.chain_tag)
        try:
            ok = snark.verify(self.vk, list(inputs), proof)
        except DecodeError:
            ok = False
        elapsed = time.perf_counter() - start
        self.observe_verify(elapsed)
        if not ok:
            log.warning("invalid validity proof announced for height %d", height)
            return
        seconds = round(elapsed, 4)
        log.info(
            "verified the proof of block %d in %.3f s", height, seconds,
            extra={"height": height, "seconds": seconds},
        )  # fmt: skip
        self._record(height, proof)

    def record_carried(self, height: int, proof: bytes) -> None:
        """A proof carried in a committed block: consensus checked it before voting."""
        self.pending.pop(height, None)
        self._record(height, proof, carried=True)

    def _record(self, height: int, proof: bytes, carried: bool = False) -> None:
        fresh = height not in self.proofs
        if fresh:
            self.proofs[height] = proof
            self.proofs_verified += 1
        self.owed.pop(height, None)
        settles = (carried or not self.carried_only) and height not in self.settled
        if settles:
            self.settled.add(height)
        if self.store is not None and (fresh or settles):
            self.store.save_proof(height, self.proofs[height], height in self.settled)
        self._advance()

    def restore(self, chain_height: int) -> None:
        """After a restart: the proofs and proven-final height saved before it, then whatever
        the committed chain settles beyond them. ``CorruptStoreError`` if the store claims
        heights above ``chain_height``, which it can only do when damaged."""
        if self.store is None:
            return
        stored = self.store.load()
        top = max([stored.proven_final, *stored.proofs])
        if top > chain_height:
            raise CorruptStoreError(f"stored proofs reach height {top}, the chain {chain_height}")
        self.proofs.update(stored.proofs)
        self.settled |= stored.settled
        self.proven_final_height = stored.proven_final
        if stored.proven_final:
            self.on_proven_final(stored.proven_final)
        self._advance()

    def _advance(self) -> None:
        height = self.proven_final_height
        while (block := self.get_block(height + 1)) is not None:
            if block.payload and height + 1 not in self.settled:
                break
            height += 1
        if height > self.proven_final_height:
            self.proven_final_height = height
            if self.store is not None:
                self.store.save_proven_final(height)
            self.on_proven_final(height)
