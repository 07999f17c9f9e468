"""The node's proving parts, built from its config and genesis: the circuit keys, the proof
tracker (on local threads or a Dask cluster) and the pipeline of batches this node proves.

A node that neither proves nor checks proofs (no ``proofs_enabled``, no ``proof_lag``) has none
of them; with a proof lag every node collects and checks gossiped proofs, so that any proposer
can carry them; only a proving node runs the pipeline.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from zkpov.crypto import snark
from zkpov.node.ops.config import NodeConfig, format_address, parse_prover
from zkpov.node.ops.key_cache import load_circuit_keys
from zkpov.node.proving.proof_chain import ProvingPipeline
from zkpov.node.proving.proof_store import ProofStore
from zkpov.node.proving.prover import LocalProver, ProofTracker, ProverBackend
from zkpov.node.rpc.metrics import NodeMetrics
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.node.state.epoch_endings import EpochEndingStore, get_registry_index
from zkpov.node.state.genesis import Genesis, compute_genesis_hash
from zkpov.spec.messages import Block
from zkpov.spec.payload import ProofAnnouncement
from zkpov.storage.block_store import BlockStore
from zkpov.types import ValidatorIndex

__all__ = ["CircuitKeys", "build_pipeline", "build_prover", "load_keys"]

CircuitKeys = tuple[snark.ProvingKey, snark.VerifyingKey]


def load_keys(config: NodeConfig, genesis: Genesis) -> CircuitKeys | None:
    """The circuit keys, checked against the genesis setup; None if this node neither
    proves nor checks proofs."""
    if not config.proofs_enabled and not genesis.consensus.proof_lag:
        return None
    batch, depth = genesis.circuit_batch_size, genesis.circuit_tree_depth
    cache = config.get_path(config.key_cache_dir)
    return load_circuit_keys(batch, depth, cache, compute_genesis_hash(genesis), genesis.setup)


def build_prover(
    keys: CircuitKeys | None, config: NodeConfig, genesis: Genesis, chain: CommittedChain,
    store: BlockStore, publish: Callable[[ProofAnnouncement], None],
    on_proven_final: Callable[[int], None], metrics: NodeMetrics,
) -> ProofTracker | None:  # fmt: skip
    """The proof tracker (None without keys): ``publish`` gossips proofs, ``on_proven_final``
    hears the proven-final height rise."""
    if keys is None:
        return None
    pk, vk = keys
    return ProofTracker(
        pk, vk, chain.get_block, publish, on_proven_final,
        observe_prove=metrics.observe_proof_generation,
        observe_verify=metrics.observe_proof_verification,
        carried_only=genesis.consensus.proof_lag > 0, store=ProofStore(store),
        get_base=lambda: chain.base, chain_tag=chain.state.chain_tag,
        backend=_build_backend(config),
    )  # fmt: skip


def _build_backend(config: NodeConfig) -> ProverBackend:
    """Local threads, or the Dask scheduler the config names (``prover = "dask://..."``)."""
    address = parse_prover(config.prover)
    if address is None:
        return LocalProver()
    from zkpov.node.proving.dask_prover import DaskProver  # imports Dask only when used

    return DaskProver(f"tcp://{format_address(address)}")


def build_pipeline(
    prover: ProofTracker | None, config: NodeConfig, chain: CommittedChain,
    index: ValidatorIndex, validators: int, endings: EpochEndingStore,
    spawn: Callable[[Coroutine[Any, Any, None]], None],
) -> ProvingPipeline | None:  # fmt: skip
    """Which committed batches this node (``index`` of ``validators``) proves, and when; None
    unless it proves. Proposers are counted by registry index across epochs."""
    if prover is None or not config.proofs_enabled:
        return None
    get_proposer = functools.partial(_get_proposer, chain, endings)
    return ProvingPipeline(
        prover, chain, index, validators, spawn,
        patience=config.proof_rescue_seconds, get_proposer=get_proposer,
    )  # fmt: skip


def _get_proposer(chain: CommittedChain, endings: EpochEndingStore, block: Block) -> int:
    """The registry (genesis) index of ``block``'s proposer."""
    ledger = chain.ledger.state
    return get_registry_index(endings, ledger, block.epoch, block.proposer)
