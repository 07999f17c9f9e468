"""An in-memory NodeView over a hand-built chain of real consensus ``Block`` objects.

Blocks are chained by id, each carries the QC of its parent, and the 2-chain rule decides what is
committed: with blocks ``0..n-1`` in the tree, heights ``0..n-3`` are committed (block ``h`` is
certified by block ``h+1``'s QC and committed by block ``h+2``'s, which certifies ``h+1`` one
round after ``h``). Signatures are placeholder bytes: the RPC serves certificates, it does not
verify them, and nothing here pretends to.
"""

from __future__ import annotations

import hashlib
import json

from zkpov.chain.state import AccountState, compute_account_index
from zkpov.chain.transition import compute_genesis_state
from zkpov.consensus.epochs.proof import EpochChangeProof, select_endings
from zkpov.crypto import schnorr
from zkpov.crypto.vk_json import VerifyingKeyPoints
from zkpov.node.rpc.events import EventHub, EventHubConfig, QueueSubscription
from zkpov.node.rpc.staking_view import (
    DelegationsRecord,
    StakingValidatorRecord,
    SupplyRecord,
    compute_delegations,
    compute_staking_validator,
    compute_supply,
    get_holdings,
)
from zkpov.node.rpc.view import (
    AccountQueryError,
    AccountRecord,
    BlockRecord,
    BroadcastResult,
    CommitRecord,
    EventKind,
    FinalizedRecord,
    GenesisRecord,
    NetInfo,
    NodeEvent,
    NodeStatus,
    NodeUnavailableError,
    PeerInfo,
    ProofRecord,
    SyncInfo,
    TxRecord,
    ValidatorInfo,
    ValidatorsRecord,
)
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import Block, QuorumCert, VoteData
from zkpov.types import BlockId, BLSPubkey, Epoch, Height, Root, Round, Stake, ValidatorIndex

ZERO = BlockId(bytes(32))
N_VALIDATORS = 7
ACCOUNT_DEPTH = 8
ACCOUNT_KEY = schnorr.generate_keypair().public_key
GENESIS_DOC = {"chain_id": "zkpov-test", "genesis_time": "2026-01-01T00:00:00Z", "validators": []}


def compute_tx_hash(tx: bytes) -> bytes:
    return hashlib.sha256(tx).digest()


def _make_qc(parent: Block) -> QuorumCert:
    data = VoteData(parent.epoch, parent.round, parent.id, parent.qc.round, parent.qc.block_id)
    signers = compute_bitfield(range(5), N_VALIDATORS)
    return QuorumCert(data, signers, bytes([parent.height % 256]) * 96)


def _make_genesis() -> Block:
    placeholder = QuorumCert(VoteData(Epoch(0), Round(0), ZERO, Round(0), ZERO), b"\x00", b"")
    return Block(Epoch(0), Round(0), Height(0), ZERO, ValidatorIndex(0), Root(bytes(32)),
                 placeholder)  # fmt: skip


class FakeNode:
    """A NodeView over a growing in-memory chain; ``add_block`` extends it and emits events."""

    def __init__(self, n_blocks: int = 6, hub: EventHubConfig | None = None) -> None:
        self.hub = EventHub(hub)
        self.tree: list[Block] = [_make_genesis()]
        self.txs: list[tuple[bytes, ...]] = [()]
        self.mempool: list[bytes] = []
        self.dropped: dict[bytes, tuple[str, str]] = {}  # tx hash -> (reason, message)
        self.accounts = AccountState(ACCOUNT_DEPTH)
        self.accounts.credit(compute_account_index(ACCOUNT_KEY, ACCOUNT_DEPTH), ACCOUNT_KEY, 500)
        self.earliest = Height(0)
        self.proven_final: Height | None = None
        self.available = True
        self.verifying_key: VerifyingKeyPoints | None = None  # a node that loads no keys
        self.epoch_proof: EpochChangeProof | None = None  # endings it serves from any epoch
        self.validators = tuple(
            ValidatorInfo(ValidatorIndex(i), BLSPubkey(bytes([i + 1]) * 48),
                          Stake(10**18 + i), (10**18 + i) * 1000, 10**18 + i, 0, i)
            for i in range(N_VALIDATORS)
        )  # fmt: skip
        self.ledger = compute_genesis_state(
            [v.pubkey for v in self.validators], [v.power for v in self.validators],
            [bytes(v.pubkey) for v in self.validators], bytes(32),
        )  # fmt: skip
        for _ in range(n_blocks - 1):
            self.add_block((f"tx-{len(self.tree)}".encode(),))

    # -- driving the fake chain ------------------------------------------------------------
    def add_block(self, txs: tuple[bytes, ...]) -> Block:
        parent = self.tree[-1]
        height = Height(parent.height + 1)
        root = Root(hashlib.sha256(b"state" + height.to_bytes(8, "big")).digest())
        block = Block(Epoch(0), Round(parent.round + 1), height, parent.id,
                      ValidatorIndex(height % N_VALIDATORS), root, _make_qc(parent),
                      payload=b"".join(txs), proof=bytes(192) if height % 2 else b"")  # fmt: skip
        self.tree.append(block)
        self.txs.append(txs)
        self._publish(EventKind.NEW_BLOCK, parent)
        if len(self.tree) >= 3:
            self._publish(EventKind.FINALIZED, self.tree[-3])
        return block

    def prove_up_to(self, height: int) -> None:
        self.proven_final = Height(height)
        self._publish(EventKind.PROVEN_FINAL, self.tree[height])

    def _publish(self, kind: EventKind, block: Block) -> None:
        num_txs = len(self.txs[block.height])
        event = NodeEvent(kind, block.height, block.id, block.state_root, block.round, num_txs)
        self.hub.publish(event)

    @property
    def tip(self) -> Height:
        return Height(len(self.tree) - 3)

    def _committed(self, height: Height | None) -> Block | None:
        h = self.tip if height is None else height
        if h > self.tip or h < self.earliest:
            return None
        return self.tree[h]

    # -- NodeView ------------------------------------------------------------------------
    def get_status(self) -> NodeStatus:
        self._check_available()
        tip = self.tree[self.tip]
        sync = SyncInfo(self.tip, tip.id, tip.state_root, tip.round, self.earliest,
                        self.proven_final, Round(self.tree[-1].round + 1), False)  # fmt: skip
        return NodeStatus(
            b"\x01" * 32, "zkpov-test", "0.1.0", Epoch(0), sync, self.validators[0], "insecure"
        )

    def get_net_info(self) -> NetInfo:
        peer = PeerInfo(
            b"\x02" * 32, BLSPubkey(b"\x03" * 48), "127.0.0.1:26656", True, 10, 20,
            ValidatorIndex(1),
        )  # fmt: skip
        return NetInfo(True, "127.0.0.1:26656", (peer,))

    def get_block(self, height: Height | None) -> BlockRecord | None:
        block = self._committed(height)
        return None if block is None else BlockRecord(block, self.txs[block.height])

    def get_commit(self, height: Height | None) -> CommitRecord | None:
        block = self._committed(height)
        if block is None:
            return None
        h = block.height
        child_qc = self.tree[h + 2].qc
        direct = child_qc.vote_data.round == block.round + 1
        return CommitRecord(block.header, self.tree[h + 1].qc, child_qc if direct else None)

    def get_validators(self, height: Height | None) -> ValidatorsRecord | None:
        block = self._committed(height)
        if block is None:
            return None
        return ValidatorsRecord(block.height, Epoch(0), self.validators, self.tip)

    def get_epoch_validators(self, epoch: int) -> ValidatorsRecord | None:
        return None if epoch else self.get_validators(None)  # one epoch here

    def get_genesis(self) -> GenesisRecord:
        document = json.dumps(GENESIS_DOC)
        return GenesisRecord(document, hashlib.sha256(document.encode()).digest())

    def get_tx(self, tx_hash: bytes) -> TxRecord | None:
        for height in range(self.earliest, self.tip + 1):
            for index, tx in enumerate(self.txs[height]):
                if compute_tx_hash(tx) == tx_hash:
                    return TxRecord(tx_hash, Height(height), index, tx)
        pending = [tx for tx in self.mempool if compute_tx_hash(tx) == tx_hash]
        if pending:
            return TxRecord(tx_hash, None, None, pending[0], "pending")
        if tx_hash in self.dropped:
            return TxRecord(tx_hash, None, None, None, "dropped", *self.dropped[tx_hash])
        return None

    def get_account(self, key: int | bytes, with_proof: bool) -> AccountRecord:
        s = self.accounts
        index = key if isinstance(key, int) else compute_account_index(key, s.depth)
        if index >> s.depth:
            raise AccountQueryError(f"index {index} is outside the account tree")
        account = s.get_account(index)
        pk, balance, nonce = (None, 0, 0) if account is None else (
            account.public_key, account.balance, account.nonce)  # fmt: skip
        proof = s.get_proof(index) if with_proof else None
        root = Root(s.root.to_bytes(32, "big"))
        bonded, unbonding = get_holdings(self.ledger, pk)
        return AccountRecord(
            index, pk, balance, nonce, nonce + 1, self.tip, root, proof, bonded, unbonding
        )

    def get_delegations(self, key: int | bytes) -> DelegationsRecord:
        index = key if isinstance(key, int) else compute_account_index(key, self.accounts.depth)
        if index >> self.accounts.depth:
            raise AccountQueryError(f"index {index} is outside the account tree")
        account = self.accounts.get_account(index)
        return compute_delegations(self.ledger, index, account and account.public_key)

    def get_staking_validator(self, index: int) -> StakingValidatorRecord | None:
        return compute_staking_validator(self.ledger, index)

    def get_supply(self) -> SupplyRecord:
        return compute_supply(self.ledger)

    def get_finalized(self) -> FinalizedRecord:
        tip = self.tree[self.tip]
        commitment = Root(hashlib.sha256(b"".join(v.pubkey for v in self.validators)).digest())
        child_qc = self.tree[self.tip + 2].qc
        return FinalizedRecord(tip.header, child_qc, commitment, self.proven_final)

    def get_verifying_key(self) -> VerifyingKeyPoints | None:
        return self.verifying_key

    def get_epoch_change_proof(self, from_epoch: Epoch) -> EpochChangeProof | None:
        if self.epoch_proof is None:
            return None
        return select_endings(self.epoch_proof.endings, from_epoch)

    def get_proof(self, height: Height | None) -> ProofRecord | None:
        h = self.proven_final if height is None else height
        if self.proven_final is None or h is None or h > self.proven_final or h < self.earliest:
            return None
        block = self.tree[h]
        inputs = (int.from_bytes(self.tree[h - 1].state_root if h else bytes(32), "big") % 2**250,
                  int.from_bytes(block.state_root, "big") % 2**250, h)  # fmt: skip
        return ProofRecord(Height(h), Height(h + 1), "c1" * 32, bytes(192), inputs)

    async def broadcast_tx(self, tx: bytes) -> BroadcastResult:
        tx_hash = compute_tx_hash(tx)
        if tx in self.mempool:
            return BroadcastResult(tx_hash, False, "duplicate", "already in the mempool")
        self.mempool.append(tx)
        return BroadcastResult(tx_hash, True, "")

    def subscribe(self, kinds: frozenset[EventKind]) -> QueueSubscription:
        self._check_available()
        return self.hub.subscribe(kinds)

    def _check_available(self) -> None:
        if not self.available:
            raise NodeUnavailableError("node is starting")
