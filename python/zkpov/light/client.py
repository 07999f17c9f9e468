"""The light client's entry points: :func:`sync_chain` and :func:`query_account` open the
witnesses, set up trust (genesis or checkpoint), and verify.

The verifying key is the one the chain uses today: ``insecure_setup`` of the genesis circuit
seeded with the genesis hash, exactly as nodes derive it (:mod:`zkpov.node.ops.key_cache`);
``key_cache`` is a directory of such keys (a testnet's ``circuit-keys``) to skip the setup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zkpov.client import models as m
from zkpov.crypto import snark
from zkpov.light.epochs import EpochTrust
from zkpov.light.fetch import LightRpc
from zkpov.light.sync import Conflict, LightChain, Witnessed
from zkpov.light.trust import (
    Checkpoint,
    check_checkpoint_age,
    get_trusting_period,
    trust_checkpoint,
    trust_genesis,
)
from zkpov.node.ops.key_cache import compute_setup_seed
from zkpov.node.state.bootstrap import build_chain_start
from zkpov.node.state.genesis import Genesis, compute_genesis_hash

__all__ = ["SyncReport", "check_claimed_age", "load_verifying_key", "query_account", "sync_chain"]


@dataclass(frozen=True)
class SyncReport:
    """``epoch``: the epoch of the latest set followed (``epoch_changes`` verified on the way);
    ``proven_height``: proofs verified from genesis up to this verified header (None when
    proofs were not asked for); ``conflicts``: evidence of double signing among witnesses."""

    finalized: Witnessed
    epoch: int
    epoch_changes: int
    verified_qcs: int
    verified_proofs: int
    proven_height: int | None
    conflicts: tuple[Conflict, ...]


def load_verifying_key(genesis: Genesis, key_cache: Path | None) -> snark.VerifyingKey:
    config = snark.CircuitConfig(genesis.circuit_batch_size, genesis.circuit_tree_depth)
    seed = compute_setup_seed(compute_genesis_hash(genesis))
    if key_cache is None:
        return snark.insecure_setup(config, seed)[1]
    return snark.load_or_create_insecure_keys(config, key_cache, seed)[1]


async def _open(
    rpcs: Sequence[LightRpc], genesis: Genesis, checkpoint: Checkpoint | None, period: int | None
) -> LightChain:
    """Trust set up and every served epoch change followed; a checkpoint is refused when the
    node says (before anything is verified) or the verified tip shows (after) it is stale."""
    if checkpoint is None:
        chain = _make_chain(rpcs, genesis, EpochTrust(trust_genesis(genesis), 0))
        await chain.follow_epochs()
        return chain
    trusting = get_trusting_period(genesis, period)
    await check_claimed_age(rpcs[0], checkpoint, trusting)
    served = await rpcs[0].get_bootstrap(checkpoint.epoch)
    chain = _make_chain(
        rpcs, genesis, EpochTrust(trust_checkpoint(checkpoint, served, genesis), None)
    )
    await chain.follow_epochs()
    tip = await chain.get_finalized(rpcs[0])
    check_checkpoint_age(checkpoint, tip.header.epoch, trusting)
    return chain


def _make_chain(rpcs: Sequence[LightRpc], genesis: Genesis, trust: EpochTrust) -> LightChain:
    genesis_header = build_chain_start(genesis).block.header
    return LightChain(list(rpcs), trust, genesis_header, genesis.consensus)


async def check_claimed_age(rpc: LightRpc, checkpoint: Checkpoint, period: int) -> None:
    """``StaleCheckpointError`` when the node says its chain is more than ``period`` epochs past
    the checkpoint (refusing on a node's word is safe; accepting waits for the verified tip)."""
    served = await rpc.get_epoch_updates(checkpoint.epoch)
    check_checkpoint_age(checkpoint, served.current_epoch, period)


async def sync_chain(
    urls: Sequence[str],
    genesis: Genesis,
    checkpoint: Checkpoint | None = None,
    trusting_period: int | None = None,
    vk: snark.VerifyingKey | None = None,
) -> SyncReport:
    """Verifies the latest finalized header from every witness in ``urls``, compares them,
    and (given ``vk``) the validity proofs up to the proven-final height."""
    rpcs = [LightRpc(url) for url in urls]
    try:
        chain = await _open(rpcs, genesis, checkpoint, trusting_period)
        tip, conflicts = await chain.sync()
        proven = None
        if vk is not None and not conflicts:
            served = await rpcs[0].get_finalized()
            up_to = min(served.proven_final_height or 0, tip.header.height)
            circuit = snark.CircuitConfig(genesis.circuit_batch_size, genesis.circuit_tree_depth)
            proven = await chain.verify_proofs(vk, circuit.circuit_id, up_to)
        return SyncReport(
            tip, chain.trusted.epoch, chain.epoch_changes, chain.verified_qcs,
            chain.verified_proofs, proven, tuple(conflicts),
        )  # fmt: skip
    finally:
        for rpc in rpcs:
            await rpc.close()


async def query_account(
    urls: Sequence[str],
    genesis: Genesis,
    index: int,
    checkpoint: Checkpoint | None = None,
    trusting_period: int | None = None,
) -> tuple[Witnessed, m.Account]:
    """The account at ``index`` with its Merkle proof verified against a finalized header."""
    rpcs = [LightRpc(url) for url in urls]
    try:
        chain = await _open(rpcs, genesis, checkpoint, trusting_period)
        return await chain.get_account(index, genesis.circuit_tree_depth)
    finally:
        for rpc in rpcs:
            await rpc.close()
