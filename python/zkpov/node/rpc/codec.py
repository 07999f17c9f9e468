"""JSON encodings of the RPC's records (``zkpov.node.rpc.view``), described by
``zkpov.node.rpc.schema``.

Conventions: bytes are lowercase hex without ``0x``; heights, rounds, epochs and counts are JSON
integers; stake and voting power are decimal strings (they can exceed 2**53, which JavaScript
numbers cannot hold exactly); field elements are 32-byte big-endian hex.
"""

from __future__ import annotations

from typing import Any

from zkpov.chain.state import AccountProof
from zkpov.node.rpc.view import (
    AccountRecord,
    BlockRecord,
    BroadcastResult,
    CommitRecord,
    FinalizedRecord,
    NetInfo,
    NodeEvent,
    NodeStatus,
    PeerInfo,
    ProofRecord,
    SyncInfo,
    TxRecord,
    ValidatorInfo,
    ValidatorsRecord,
)
from zkpov.spec.messages import BlockHeader, QuorumCert
from zkpov.spec.validators import compute_validator_set_commitment

__all__ = [
    "JsonObject",
    "encode_account",
    "encode_block",
    "encode_broadcast",
    "encode_commit",
    "encode_event",
    "encode_field_element",
    "encode_finalized",
    "encode_header",
    "encode_net_info",
    "encode_proof",
    "encode_qc",
    "encode_status",
    "encode_tx",
    "encode_validator",
    "encode_validators",
]

JsonObject = dict[str, Any]


def encode_field_element(value: int) -> str:
    return value.to_bytes(32, "big").hex()


def encode_header(header: BlockHeader) -> JsonObject:
    return {
        "block_id": header.id.hex(),
        "epoch": header.epoch,
        "round": header.round,
        "height": header.height,
        "parent_id": header.parent_id.hex(),
        "proposer": header.proposer,
        "state_root": header.state_root.hex(),
        "qc_digest": header.qc_digest.hex(),
        "payload_digest": header.payload_digest.hex(),
        "evidence_digest": header.evidence_digest.hex(),
        "proof_digest": header.proof_digest.hex(),
        "randao_reveal": header.randao_reveal.hex(),
        "timestamp_ms": header.timestamp_ms,
        "validator_set_commitment": header.validator_set_commitment.hex(),
        "next_validator_set_commitment": header.next_validator_set_commitment.hex(),
        "staking_root": header.staking_root.hex(),
    }


def encode_qc(qc: QuorumCert) -> JsonObject:
    data = qc.vote_data
    return {
        "epoch": data.epoch,
        "round": data.round,
        "block_id": data.block_id.hex(),
        "parent_round": data.parent_round,
        "parent_id": data.parent_id.hex(),
        "signers": qc.signers.hex(),
        "signature": qc.signature.hex(),
    }


def encode_block(record: BlockRecord) -> JsonObject:
    block = record.block
    return {
        "block_id": block.id.hex(),
        "header": encode_header(block.header),
        "qc": encode_qc(block.qc),
        "txs": [tx.hex() for tx in record.txs],
        "evidence": [item.hex() for item in block.evidence],
        "proof": block.proof.hex(),
    }


def encode_commit(record: CommitRecord) -> JsonObject:
    child = record.commit_certificate
    return {
        "height": record.header.height,
        "block_id": record.header.id.hex(),
        "header": encode_header(record.header),
        "certificate": encode_qc(record.certificate),
        "commit_certificate": None if child is None else encode_qc(child),
    }


def encode_validator(info: ValidatorInfo) -> JsonObject:
    return {
        "index": info.index,
        "pubkey": info.pubkey.hex(),
        "voting_power": str(info.power),
        "leader_weight": str(info.leader_weight),
        "stake": str(info.stake),
        "slashed": str(info.slashed),
        "registry_index": info.registry_index,
    }


def encode_validators(record: ValidatorsRecord, chosen: tuple[ValidatorInfo, ...]) -> JsonObject:
    """One page (``chosen``) of ``record``'s set; the commitment and total power cover the
    whole set (the commitment is the one its epoch's headers carry)."""
    everyone = record.validators
    pubkeys, powers = [v.pubkey for v in everyone], [int(v.power) for v in everyone]
    return {
        "block_height": record.height, "epoch": record.epoch, "count": len(chosen),
        "total": len(everyone), "total_power": str(sum(powers)),
        "validator_set_commitment":
            compute_validator_set_commitment(record.epoch, pubkeys, powers).hex(),
        "ledger_height": record.ledger_height,
        "validators": [encode_validator(info) for info in chosen],
    }  # fmt: skip


def _encode_sync(sync: SyncInfo) -> JsonObject:
    proven = sync.proven_final_height
    return {
        "latest_block_height": sync.latest_height,
        "latest_block_id": sync.latest_block_id.hex(),
        "latest_state_root": sync.latest_state_root.hex(),
        "latest_block_round": sync.latest_round,
        "earliest_block_height": sync.earliest_height,
        "proven_final_height": proven,
        "current_round": sync.current_round,
        "catching_up": sync.catching_up,
    }


def encode_status(status: NodeStatus) -> JsonObject:
    own = status.validator
    return {
        "node_info": {
            "node_id": status.node_id.hex(),
            "chain_id": status.chain_id,
            "version": status.version,
            "setup": status.setup,
        },
        "epoch": status.epoch,
        "sync_info": _encode_sync(status.sync),
        "validator_info": None if own is None else encode_validator(own),
    }


def _encode_peer(peer: PeerInfo) -> JsonObject:
    return {
        "node_id": peer.node_id.hex(),
        "validator_pubkey": peer.validator_pubkey.hex(),
        "address": peer.address,
        "outbound": peer.outbound,
        "bytes_received": peer.bytes_received,
        "bytes_sent": peer.bytes_sent,
        "validator_index": peer.validator_index,
    }


def encode_net_info(info: NetInfo) -> JsonObject:
    return {
        "listening": info.listening,
        "listen_address": info.listen_address,
        "n_peers": len(info.peers),
        "peers": [_encode_peer(peer) for peer in info.peers],
    }


def encode_tx(record: TxRecord) -> JsonObject:
    return {
        "hash": record.tx_hash.hex(),
        "status": record.status,
        "height": record.height,
        "index": record.index,
        "tx": None if record.tx is None else record.tx.hex(),
        "reason": record.reason or None,
        "message": record.message or None,
    }


def encode_broadcast(result: BroadcastResult) -> JsonObject:
    return {
        "hash": result.tx_hash.hex(),
        "accepted": result.accepted,
        "reason": result.reason,
        "message": result.message,
    }


def _encode_account_proof(proof: AccountProof) -> JsonObject:
    return {
        "depth": proof.depth,
        "leaf": encode_field_element(proof.leaf),
        "siblings": [[encode_field_element(x) for x in row] for row in proof.siblings],
    }


def encode_account(record: AccountRecord) -> JsonObject:
    """Balances are decimal strings (they can exceed 2**53)."""
    key, proof = record.public_key, record.proof
    return {
        "index": str(record.index),
        "public_key": None if key is None else key.hex(),
        "balance": str(record.balance),
        "nonce": record.nonce,
        "pending_nonce": record.pending_nonce,
        "height": record.height,
        "state_root": record.state_root.hex(),
        "proof": None if proof is None else _encode_account_proof(proof),
        "bonded": str(record.bonded),
        "unbonding": str(record.unbonding),
    }


def encode_finalized(record: FinalizedRecord) -> JsonObject:
    return {
        "height": record.header.height,
        "block_id": record.header.id.hex(),
        "header": encode_header(record.header),
        "commit_certificate": encode_qc(record.commit_certificate),
        "validator_set_commitment": record.validator_set_commitment.hex(),
        "proven_final_height": record.proven_final_height,
    }


def encode_proof(record: ProofRecord) -> JsonObject:
    return {
        "height": record.height,
        "proven_in": record.proven_in,
        "circuit_id": record.circuit_id,
        "proof": record.proof.hex(),
        "public_inputs": [encode_field_element(x) for x in record.public_inputs],
    }


def encode_event(event: NodeEvent) -> JsonObject:
    return {
        "type": event.kind.value,
        "height": event.height,
        "block_id": event.block_id.hex(),
        "state_root": event.state_root.hex(),
        "round": event.round,
        "num_txs": event.num_txs,
        "validator": event.validator,
        "amount": None if event.amount is None else str(event.amount),
        "epoch": event.epoch,
        "joined": None if event.joined is None else list(event.joined),
        "left": None if event.left is None else list(event.left),
    }
