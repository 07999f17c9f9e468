"""What the RPC reads from a running node: the :class:`NodeView` protocol and its records.

The runtime implements :class:`NodeView` (:mod:`zkpov.node.rpc.runtime_view`); the RPC
application (:mod:`zkpov.node.rpc.app`) serves any implementation.
Every record is a frozen dataclass of plain values and consensus types, so the RPC never reaches
into the runtime's internals and a test can serve a chain it built by hand.

Contract for implementers:

- Read methods are synchronous and must not block the event loop (memory or an LMDB read).
- A height argument of ``None`` means the latest committed height. A height the node does not
  hold (above the tip, below the pruning base) gives ``None``; the RPC turns that into 404.
- A node that cannot answer right now (starting, shutting down) raises
  :class:`NodeUnavailableError`; the RPC answers 503.
- ``broadcast_tx`` is asynchronous (checking a signature may run in a thread) and reports a
  rejected transaction in its result, never by raising.
- ``subscribe`` returns a bounded :class:`EventSubscription`; ``zkpov.node.rpc.events.EventHub``
  is a ready implementation, which the node's commit feed publishes into.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from zkpov.chain.state import AccountProof
from zkpov.consensus.epochs.proof import EpochChangeProof
from zkpov.crypto.vk_json import VerifyingKeyPoints
from zkpov.errors import ZkpovError
from zkpov.node.rpc.staking_view import DelegationsRecord, StakingValidatorRecord, SupplyRecord
from zkpov.spec.messages import Block, BlockHeader, QuorumCert
from zkpov.types import BlockId, BLSPubkey, Epoch, Height, Root, Round, Stake, ValidatorIndex

__all__ = [
    "AccountQueryError",
    "AccountRecord",
    "BlockRecord",
    "BroadcastResult",
    "CommitRecord",
    "EventKind",
    "EventSubscription",
    "FinalizedRecord",
    "GenesisRecord",
    "NetInfo",
    "NodeEvent",
    "NodeStatus",
    "NodeUnavailableError",
    "NodeView",
    "PeerInfo",
    "ProofRecord",
    "SubscriptionClosedError",
    "SyncInfo",
    "TxRecord",
    "ValidatorInfo",
    "ValidatorsRecord",
]


class NodeUnavailableError(ZkpovError):
    """The node cannot answer now (starting up, shutting down); the RPC answers 503."""


class AccountQueryError(ZkpovError):
    """An account query this chain cannot answer: an index outside its account tree, or a key
    whose slot holds another key; the RPC answers 404."""


class SubscriptionClosedError(ZkpovError):
    """The event subscription ended: the node shut down or the subscriber fell too far behind."""


@dataclass(frozen=True)
class ValidatorInfo:
    """One validator of an epoch's committed set (frozen at the epoch boundary): ``index`` is
    its place in that set (the signer bitfields' index), ``power`` its stake in it (what QCs
    and TCs weigh). ``stake`` and ``slashed`` are the staking ledger's live view of the same
    validator, found at ``registry_index`` (``/v1/staking/validator?index=``): a delegation
    moves ``stake`` at once and ``power`` only at the next epoch change (never without epochs).
    ``leader_weight`` is the weight the node reports for leader election; the runtime reports
    stake x reputation of the latest
    period of ``reputation_window`` rounds that its committed chain made final (the stake before
    the first window). The election draws with such weights, recomputed for each period from
    the blocks along the proposal's own chain, and skips the leaders of recently failed rounds
    (:mod:`zkpov.consensus.leader`, :mod:`zkpov.consensus.reputation_leaders`): a proposal on
    another fork may weigh validators differently. The reputation is 1, 10 or 1000."""

    index: ValidatorIndex
    pubkey: BLSPubkey
    power: Stake
    leader_weight: int
    stake: int = 0  # bonded stake in the staking ledger now (power is the epoch's)
    slashed: int = 0  # stake burned by slashing so far (the ledger now)
    registry_index: int | None = None  # in the staking ledger; None: not registered


@dataclass(frozen=True)
class SyncInfo:
    """Where the node's chain stands. ``earliest_height`` is the lowest height whose block body
    is still kept (raised by pruning); ``proven_final_height`` is None before the first proof."""

    latest_height: Height
    latest_block_id: BlockId
    latest_state_root: Root
    latest_round: Round
    earliest_height: Height
    proven_final_height: Height | None
    current_round: Round
    catching_up: bool


@dataclass(frozen=True)
class NodeStatus:
    """``node_id`` is the node's Noise static public key; ``validator`` is this node's own entry
    in the current validator set, or None if it does not validate; ``setup`` is how the
    genesis says its Groth16 keys were made: ``insecure`` or ``ceremony``."""

    node_id: bytes
    chain_id: str
    version: str
    epoch: Epoch
    sync: SyncInfo
    validator: ValidatorInfo | None
    setup: str


@dataclass(frozen=True)
class PeerInfo:
    """A connected peer: its Noise static key (``node_id``), the validator key its hello proved,
    ``host:port`` of the connection, whether this node dialled it, and the bytes moved."""

    node_id: bytes
    validator_pubkey: BLSPubkey
    address: str
    outbound: bool
    bytes_received: int
    bytes_sent: int
    validator_index: ValidatorIndex | None = None  # registry index (genesis set, then joiners)


@dataclass(frozen=True)
class NetInfo:
    listening: bool
    listen_address: str
    peers: tuple[PeerInfo, ...]


@dataclass(frozen=True)
class BlockRecord:
    """A committed block and its transactions (the payload decoded by the runtime)."""

    block: Block
    txs: tuple[bytes, ...]


@dataclass(frozen=True)
class CommitRecord:
    """Why a block is final. ``certificate`` certifies the block itself. ``commit_certificate``
    certifies its direct child (its vote data names the block as parent, one round earlier): the
    2-chain that committed it. None when the block was committed as an ancestor of a later one."""

    header: BlockHeader
    certificate: QuorumCert
    commit_certificate: QuorumCert | None


@dataclass(frozen=True)
class ValidatorsRecord:
    """The committed validator set of ``epoch``, the one that signs blocks at ``height``; its
    validators' ledger fields are read from the staking ledger at ``ledger_height``."""

    height: Height
    epoch: Epoch
    validators: tuple[ValidatorInfo, ...]
    ledger_height: Height


@dataclass(frozen=True)
class GenesisRecord:
    """``document`` is the genesis JSON text as the node holds it; ``genesis_hash`` its id."""

    document: str
    genesis_hash: bytes


@dataclass(frozen=True)
class BroadcastResult:
    """``reason`` is a short stable code when refused (the mempool's admission reasons),
    ``message`` says what was wrong."""

    tx_hash: bytes
    accepted: bool
    reason: str
    message: str = ""


@dataclass(frozen=True)
class TxRecord:
    """A transaction's status: ``committed`` (with height, index and bytes), ``pending`` (in
    the mempool, with bytes) or ``dropped`` (refused or dropped recently, with the reason)."""

    tx_hash: bytes
    height: Height | None
    index: int | None
    tx: bytes | None
    status: str = "committed"
    reason: str = ""
    message: str = ""


@dataclass(frozen=True)
class AccountRecord:
    """An account in the latest committed state (``public_key`` None for an empty slot, with
    zero balance and nonce). ``pending_nonce`` is the next nonce to use, after the mempool's
    pending transfers; ``proof`` (when asked for) proves the leaf against ``state_root``.
    ``bonded`` and ``unbonding``: what the committed staking ledger holds for the account's key
    (self stake plus delegations; unbonding entries), outside the account's balance."""

    index: int
    public_key: bytes | None
    balance: int
    nonce: int
    pending_nonce: int
    height: Height
    state_root: Root
    proof: AccountProof | None
    bonded: int
    unbonding: int


@dataclass(frozen=True)
class FinalizedRecord:
    """What a light client needs to follow finality: a committed header and the 2-chain QC
    that committed it (it certifies the header's child, one round later), and the commitment
    (``compute_validator_set_commitment``: epoch, keys and stakes) of the set that signed it.
    Before the first such commit: the genesis header and its root QC (no signers)."""

    header: BlockHeader
    commit_certificate: QuorumCert
    validator_set_commitment: Root
    proven_final_height: Height | None


@dataclass(frozen=True)
class ProofRecord:
    """The validity proof of the block at ``height``, carried by the block at ``proven_in``
    (``proven_in - height`` is the proof lag). ``public_inputs`` are BLS12-381 Fr elements:
    pre-state root, post-state root, batch commitment."""

    height: Height
    proven_in: Height
    circuit_id: str
    proof: bytes
    public_inputs: tuple[int, ...]


class EventKind(Enum):
    # a block was certified (a QC formed, seen as this node's new highest QC); it may still be
    # orphaned
    NEW_BLOCK = "new_block"
    FINALIZED = "finalized"  # a block was committed by the 2-chain rule; never reverted
    # every committed block up to this one is proven: by proofs carried in committed blocks with
    # a proof lag, by verified gossiped proofs without one
    PROVEN_FINAL = "proven_final"
    SLASHED = "slashed"  # a committed block's evidence burned a validator's stake
    REWARDS = "rewards"  # a committed block minted rewards (amount: tokens minted)
    # a committed reconfiguration block ended an epoch (epochs on): ``epoch`` began, with the
    # registry indices that ``joined`` and ``left`` the set
    EPOCH_CHANGE = "epoch_change"


@dataclass(frozen=True)
class NodeEvent:
    kind: EventKind
    height: Height
    block_id: BlockId
    state_root: Root
    round: Round
    num_txs: int
    validator: int | None = None  # slashed: the offender's registry index
    amount: int | None = None  # slashed: stake burned; rewards: tokens minted
    epoch: int | None = None  # epoch_change: the epoch that began
    joined: tuple[int, ...] | None = None  # epoch_change: registry indices
    left: tuple[int, ...] | None = None


class EventSubscription(Protocol):
    async def get(self) -> NodeEvent:
        """The next event; ``SubscriptionClosedError`` once the subscription has ended."""

    def close(self) -> None:
        """Stop receiving; pending ``get`` calls raise ``SubscriptionClosedError``."""


class NodeView(Protocol):
    """The read side of a node, plus transaction submission and event subscription."""

    def get_status(self) -> NodeStatus: ...

    def get_net_info(self) -> NetInfo: ...

    def get_block(self, height: Height | None) -> BlockRecord | None: ...

    def get_commit(self, height: Height | None) -> CommitRecord | None: ...

    def get_validators(self, height: Height | None) -> ValidatorsRecord | None: ...

    def get_epoch_validators(self, epoch: int) -> ValidatorsRecord | None:
        """The set of ``epoch`` (current or past; None if this node knows no such epoch)."""

    def get_genesis(self) -> GenesisRecord: ...

    def get_tx(self, tx_hash: bytes) -> TxRecord | None:
        """Committed, pending or recently dropped; None if the node knows nothing of it."""

    def get_account(self, key: int | bytes, with_proof: bool) -> AccountRecord:
        """The account at index ``key`` (an int) or holding public key ``key`` (bytes, at its
        conventional index); ``AccountQueryError`` when there is no such slot."""

    def get_finalized(self) -> FinalizedRecord: ...

    def get_staking_validator(self, index: int) -> StakingValidatorRecord | None:
        """Validator ``index`` in the committed staking ledger; None if there is none."""

    def get_supply(self) -> SupplyRecord:
        """The committed staking ledger's supply equation."""

    def get_delegations(self, key: int | bytes) -> DelegationsRecord:
        """What the committed staking ledger holds for the account ``key`` names (as
        :meth:`get_account`); ``AccountQueryError`` when there is no such slot."""

    def get_proof(self, height: Height | None) -> ProofRecord | None:
        """The validity proof of ``height`` (None: the latest proven-final height), if proven."""

    def get_verifying_key(self) -> VerifyingKeyPoints | None:
        """The circuit's verifying key, if this node loads circuit keys (it proves or checks
        carried proofs)."""

    def get_epoch_change_proof(self, from_epoch: Epoch) -> EpochChangeProof | None:
        """The committed endings of epochs ``from_epoch`` on, oldest first (at most
        ``MAX_EPOCH_CHANGE_PROOF_LENGTH``), as ``EpochManager.get_epoch_change_proof`` gives
        them; None when the node holds none (``/v1/light/updates`` serves their JSON form)."""

    async def broadcast_tx(self, tx: bytes) -> BroadcastResult: ...

    def subscribe(self, kinds: frozenset[EventKind]) -> EventSubscription:
        """A new subscription to events of ``kinds``; ``NodeUnavailableError`` when full."""
