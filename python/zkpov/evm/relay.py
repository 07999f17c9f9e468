"""Feed a node's finalized headers and validity proofs to the contracts (``relay_finalized``,
``relay_proof``), here on an in-process :class:`~zkpov.evm.chain.LocalChain`.

Finality comes from ``GET /commit``: the header with its ``commit_certificate``, the QC of its
direct child that commits it under the 2-chain rule. (``/light/finalized`` serves the root
block's own certificate, which does not commit it.) A block committed as an ancestor of a
later one has no such certificate; the relayer then names another height.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zkpov.client import ZkpovClient
from zkpov.client import models as m
from zkpov.errors import EvmError
from zkpov.evm.chain import LocalChain
from zkpov.evm.encoding import encode_proof
from zkpov.evm.light_client import LightClientSetup, encode_header, encode_qc
from zkpov.spec.messages import BlockHeader, QuorumCert, VoteData
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

__all__ = [
    "Deployment",
    "RelayResult",
    "get_committed",
    "relay_finalized",
    "relay_proof",
    "verify_committed",
]


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
        h.validator_set_commitment, h.next_validator_set_commitment,
    )  # fmt: skip


def to_qc(q: m.QuorumCert) -> QuorumCert:
    data = VoteData(Epoch(q.epoch), Round(q.round), BlockId(q.block_id), Round(q.parent_round),
                    BlockId(q.parent_id))  # fmt: skip
    return QuorumCert(data, q.signers, q.signature)


def get_committed(client: ZkpovClient, height: int | None = None) -> tuple[BlockHeader, QuorumCert]:
    """The committed header at ``height`` (latest if None) and the child QC that commits it."""
    commit = client.commit(height)
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
