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
    TrustedSet,
    check_checkpoint_age,
    get_trusting_period,
    trust_checkpoint,
    trust_genesis,
)
from zkpov.node.ops.key_cache import compute_setup_seed
from zkpov.node.state.bootstrap import build_chain_start
from zkpov.node.state.genesis import Genesis, compute_genesis_hash

__all__ = ["SyncReport", "load_verifying_key", "query_account", "sync_chain"]


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
    node says (before following) or the verified tip shows (after) it is stale."""
    trusted = await _get_trusted(rpcs[0], genesis, checkpoint, period)
    trust = EpochTrust(trusted, 0 if checkpoint is None else None)
    chain = LightChain(
        list(rpcs), trust, build_chain_start(genesis).block.header, genesis.consensus
    )
    if checkpoint is None:
        await chain.follow_epochs()
        return chain
    trusting = get_trusting_period(genesis, period)
    claimed = (await rpcs[0].get_epoch_updates(checkpoint.epoch)).current_epoch
    check_checkpoint_age(checkpoint, claimed, trusting)  # refusing on a node's word is safe
    await chain.follow_epochs()
    tip = await chain.get_finalized(rpcs[0])
    check_checkpoint_age(checkpoint, tip.header.epoch, trusting)
    return chain


async def _get_trusted(
    rpc: LightRpc, genesis: Genesis, checkpoint: Checkpoint | None, period: int | None
) -> TrustedSet:
    if checkpoint is None:
        return trust_genesis(genesis)
    get_trusting_period(genesis, period)  # refuse a period not shorter than unbonding first
    return trust_checkpoint(checkpoint, await rpc.get_bootstrap(checkpoint.epoch), genesis)


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
