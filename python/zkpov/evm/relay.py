"""Feed a node's finalized headers and validity proofs to the contracts (``relay_finalized``,
``relay_proof``), here on an in-process :class:`~zkpov.evm.chain.LocalChain`.

Finality comes from ``GET /commit?height=``: the header with its ``commit_certificate``, the QC
of its direct child that commits it under the 2-chain rule. A block committed as an ancestor of
a later one has no such certificate; the relayer then names another height. The latest one
comes from ``GET /light/finalized``: ``/commit`` cannot serve the tip's committing QC (its child
is not committed yet; the node keeps that QC in memory and serves it there).

Epoch changes come from ``GET /v1/light/updates`` (:func:`fetch_epoch_updates`, decoded strictly,
at most 64 an answer) and go to ``submit_epoch_change`` one by one (:func:`submit_epoch_changes`),
each a transaction with the records of the set the contract holds; the relayer's setup follows
the contract's. :func:`relay_epoch_changes` pages: it asks again from the contract's epoch until
the contract holds the wanted one, at most ``MAX_RELAY_EPOCH_CHANGES`` changes in all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zkpov.client import ZkpovClient
from zkpov.client import models as m
from zkpov.errors import EvmError, RelayLimitError
from zkpov.evm.chain import LocalChain
from zkpov.evm.encoding import encode_proof
from zkpov.evm.epoch_change import encode_epoch_change, get_next_setup
from zkpov.evm.light_client import LightClientSetup, encode_header, encode_qc
from zkpov.light.epochs import MAX_EPOCH_CHANGES
from zkpov.light.fetch import LightRpc
from zkpov.node.rpc.epoch_changes import EpochUpdate, EpochUpdates
from zkpov.spec.messages import BlockHeader, QuorumCert, VoteData
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

__all__ = [
    "MAX_RELAY_EPOCH_CHANGES",
    "Deployment",
    "RelayResult",
    "fetch_epoch_updates",
    "get_committed",
    "relay_epoch_changes",
    "relay_finalized",
    "relay_proof",
    "submit_epoch_changes",
    "verify_committed",
]

MAX_RELAY_EPOCH_CHANGES = MAX_EPOCH_CHANGES  # one relay submits as many as a light client follows


@dataclass(frozen=True)
class Deployment:
    """A contract on a chain: where it is and how to call it."""

    chain: LocalChain
    address: str
    abi: list[dict[str, Any]]


@dataclass(frozen=True)
class RelayResult:
    height: int
    value: Any  # the state root proved final, or whether the proof verified
    execution_gas: int


def to_header(h: m.Header) -> BlockHeader:
    return BlockHeader(
        Epoch(h.epoch), Round(h.round), Height(h.height), BlockId(h.parent_id),
        ValidatorIndex(h.proposer), Root(h.state_root), h.qc_digest, h.payload_digest,
        h.evidence_digest, h.proof_digest, h.randao_reveal, h.timestamp_ms,
        h.validator_set_commitment, h.next_validator_set_commitment, h.staking_root,
    )  # fmt: skip


def to_qc(q: m.QuorumCert) -> QuorumCert:
    data = VoteData(Epoch(q.epoch), Round(q.round), BlockId(q.block_id), Round(q.parent_round),
                    BlockId(q.parent_id))  # fmt: skip
    return QuorumCert(data, q.signers, q.signature)


def get_committed(client: ZkpovClient, height: int | None = None) -> tuple[BlockHeader, QuorumCert]:
    """The committed header at ``height`` (the latest finalized if None) and the child QC that
    commits it."""
    commit = client.finalized() if height is None else client.commit(height)
    if commit.commit_certificate is None:
        raise EvmError(f"the node holds no committing QC for height {commit.height}; try another")
    header = to_header(commit.header)
    if header.id != commit.block_id:
        raise EvmError(f"the node's header at height {commit.height} does not hash to its id")
    return header, to_qc(commit.commit_certificate)


def relay_finalized(
    client: ZkpovClient,
    light_client: Deployment,
    setup: LightClientSetup,
    height: int | None = None,
) -> RelayResult:
    """``verify_finalized`` of the node's committed header at ``height``: the state root."""
    return verify_committed(light_client, setup, *get_committed(client, height))


def verify_committed(
    light_client: Deployment, setup: LightClientSetup, header: BlockHeader, qc: QuorumCert
) -> RelayResult:
    """``verify_finalized(header, qc, validators)`` on the contract: the state root."""
    args = [encode_header(header), encode_qc(qc), setup.validators]
    result = light_client.chain.call(
        light_client.address, light_client.abi, "verify_finalized", args
    )
    return RelayResult(header.height, result.value, result.execution_gas)


def relay_proof(client: ZkpovClient, verifier: Deployment, height: int) -> RelayResult:
    """The verifier contract's answer for the node's validity proof of ``height``."""
    proof = client.proof(height)
    inputs = [int.from_bytes(x, "big") for x in proof.public_inputs]
    args = [encode_proof(proof.proof), inputs]
    result = verifier.chain.call(verifier.address, verifier.abi, "verify", args)
    return RelayResult(proof.height, result.value, result.execution_gas)


async def fetch_epoch_updates(url: str, from_epoch: int) -> EpochUpdates:
    """The epoch changes the node at ``url`` serves from ``from_epoch`` on (at most 64)."""
    rpc = LightRpc(url)
    try:
        return await rpc.get_epoch_updates(from_epoch)
    finally:
        await rpc.close()


def submit_epoch_changes(
    light_client: Deployment, setup: LightClientSetup, updates: Sequence[EpochUpdate]
) -> tuple[LightClientSetup, list[RelayResult]]:
    """``submit_epoch_change`` of each update in turn, from the contract's epoch (``setup``'s:
    its records sign the first); the setup of the last epoch adopted, and per update its
    height, the epoch adopted and the execution gas."""
    chain, address, abi = light_client.chain, light_client.address, light_client.abi
    held = chain.call(address, abi, "epoch", []).value
    if held != setup.epoch:
        raise EvmError(f"the contract is in epoch {held}; the relayer's set is of {setup.epoch}")
    results = []
    for update in updates:
        args = encode_epoch_change(update, setup.validators)
        gas = chain.transact(address, abi, "submit_epoch_change", args).execution_gas
        setup = get_next_setup(setup, update)
        results.append(RelayResult(update.header.height, setup.epoch, gas))
    return setup, results


async def relay_epoch_changes(
    url: str,
    light_client: Deployment,
    setup: LightClientSetup,
    to_epoch: int,
    limit: int = MAX_RELAY_EPOCH_CHANGES,
) -> tuple[LightClientSetup, list[RelayResult]]:
    """Submits the epoch changes the node at ``url`` serves, one answer (at most 64) after
    another from the contract's epoch, until the contract holds ``to_epoch``: the setup of that
    epoch and each change's result. ``RelayLimitError`` before the first transaction if that
    takes more than ``limit`` changes; ``EvmError`` if the node serves none it needs."""
    if to_epoch - setup.epoch > limit:
        raise RelayLimitError(
            f"epoch {to_epoch} is {to_epoch - setup.epoch} epoch changes past the contract's"
            f" {setup.epoch}; one relay submits at most {limit}"
        )
    results: list[RelayResult] = []
    while setup.epoch < to_epoch:
        served = (await fetch_epoch_updates(url, setup.epoch)).updates
        page = [u for u in served if u.header.epoch < to_epoch]
        if not page:
            raise EvmError(f"the node serves no epoch change from epoch {setup.epoch} on")
        setup, done = submit_epoch_changes(light_client, setup, page)
        results += done
    return setup, results
