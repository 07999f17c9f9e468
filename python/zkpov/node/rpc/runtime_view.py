"""The runtime's answer to the RPC: :class:`RuntimeView` implements ``NodeView`` over a Node."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from zkpov import __version__
from zkpov.chain.proof_inputs import compute_block_public_inputs
from zkpov.errors import DecodeError
from zkpov.node.rpc.view import (
    BlockRecord,
    BroadcastResult,
    CommitRecord,
    EventKind,
    EventSubscription,
    FinalizedRecord,
    GenesisRecord,
    NetInfo,
    NodeStatus,
    PeerInfo,
    ProofRecord,
    SyncInfo,
    TxRecord,
    ValidatorInfo,
    ValidatorsRecord,
)
from zkpov.node.state.genesis import compute_genesis_hash, encode_genesis
from zkpov.spec.codec.payload import decode_payload
from zkpov.spec.messages import Block, QuorumCert
from zkpov.types import BLSPubkey, Height, Root, Stake, ValidatorIndex

if TYPE_CHECKING:
    from zkpov.node.runtime import Node

__all__ = ["RuntimeView"]


class RuntimeView:
    def __init__(self, node: Node) -> None:
        self.node = node

    def _height(self, height: Height | None) -> Height:
        return self.node.chain.height if height is None else height

    def _validators(self) -> tuple[ValidatorInfo, ...]:
        vset = self.node.start.vset
        return tuple(
            ValidatorInfo(ValidatorIndex(i), BLSPubkey(pk), Stake(stake), int(stake))
            for i, (pk, stake) in enumerate(zip(vset.pubkeys, vset.stakes, strict=True))
        )

    def get_status(self) -> NodeStatus:
        node, core = self.node, self.node.driver.core
        tip = node.chain.get_block(node.chain.height) or node.start.block
        proven = None if node.prover is None else Height(node.prover.proven_final_height)
        sync = SyncInfo(
            node.chain.height, tip.id, tip.state_root, tip.round, Height(0), proven,
            core.pacemaker.round, False,
        )  # fmt: skip
        me = self._validators()[node.index]
        chain_id = node.genesis.chain_id
        identity = node.transport.identity
        return NodeStatus(
            identity.node_key.public, chain_id, __version__, node.start.vset.epoch, sync, me
        )

    def get_net_info(self) -> NetInfo:
        peers = tuple(
            PeerInfo(b"", BLSPubkey(conn.validator_pk), str(conn), False, 0, 0)
            for conn in self.node.transport.get_peers()
        )
        host, port = self.node.config.p2p_listen
        return NetInfo(True, f"{host}:{port}", peers)

    def get_block(self, height: Height | None) -> BlockRecord | None:
        block = self.node.chain.get_block(self._height(height))
        if block is None:
            return None
        return BlockRecord(block, tuple(decode_payload(block.payload)))

    def get_commit(self, height: Height | None) -> CommitRecord | None:
        h = self._height(height)
        block = self.node.chain.get_block(h)
        if block is None:
            return None
        certificate = self._get_certificate(h)
        if certificate is None or certificate.block_id != block.id:
            return None
        return CommitRecord(block.header, certificate, self._get_commit_certificate(h, block))

    def _get_certificate(self, height: int) -> QuorumCert | None:
        """The QC that certifies the committed block at ``height``: its child's parent QC, or
        for the last committed block the stored root QC."""
        child = self.node.chain.get_block(height + 1)
        if child is not None:
            return child.qc
        root, root_qc = self.node.chain.get_root()
        return root_qc if root.height == height else None

    def _get_commit_certificate(self, height: int, block: Block) -> QuorumCert | None:
        """The 2-chain that committed ``block``: a QC for its child one round later. None when
        the block was committed as an ancestor (or its child's QC is not held)."""
        child = self.node.chain.get_block(height + 1)
        if child is None or child.round != block.round + 1:
            return None
        qc = self._get_certificate(height + 1)
        return qc if qc is not None and qc.block_id == child.id else None

    def get_validators(self, height: Height | None) -> ValidatorsRecord | None:
        h = self._height(height)
        if h > self.node.chain.height:
            return None
        return ValidatorsRecord(h, self.node.start.vset.epoch, self._validators())

    def get_genesis(self) -> GenesisRecord:
        genesis = self.node.genesis
        return GenesisRecord(encode_genesis(genesis), compute_genesis_hash(genesis))

    def get_tx(self, tx_hash: bytes) -> TxRecord | None:
        height = self.node.store.get_tx_height(tx_hash)
        block = None if height is None else self.node.chain.get_block(height)
        if height is None or block is None:
            return None
        for i, tx in enumerate(decode_payload(block.payload)):
            if hashlib.sha256(tx).digest() == tx_hash:
                return TxRecord(tx_hash, height, i, tx)
        return None

    def get_finalized(self) -> FinalizedRecord:
        root, root_qc = self.node.chain.get_root()
        commitment = Root(hashlib.sha256(b"".join(self.node.start.vset.pubkeys)).digest())
        return FinalizedRecord(root.header, root_qc, commitment, None)

    def get_proof(self, height: Height | None) -> ProofRecord | None:
        """Proofs travel as gossip, not inside blocks yet, so ``proven_in`` is the height itself."""
        prover = self.node.prover
        if prover is None:
            return None
        h = Height(prover.proven_final_height) if height is None else height
        proof, block, parent = (
            prover.proofs.get(h),
            self.node.chain.get_block(h),
            self.node.chain.get_block(h - 1),
        )
        if proof is None or block is None or parent is None:
            return None
        inputs = compute_block_public_inputs(block, parent)
        return ProofRecord(h, h, prover.vk_circuit_id, proof, inputs)

    async def broadcast_tx(self, tx: bytes) -> BroadcastResult:
        try:
            result = self.node.submit_tx(tx)
        except DecodeError as err:
            return BroadcastResult(hashlib.sha256(tx).digest(), False, str(err))
        return BroadcastResult(result.tx_hash, result.accepted, result.reason)

    def subscribe(self, kinds: frozenset[EventKind]) -> EventSubscription:
        return self.node.events.subscribe(kinds)
