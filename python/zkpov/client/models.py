"""What a node's RPC answers, as frozen dataclasses: one per response schema of the OpenAPI
document the node serves (``/openapi.json``), field for field, with the same names.

Hex becomes ``bytes`` (``Hash``: exactly 32 bytes; ``PublicKey``: 48-byte BLS; ``AccountKey``:
32 bytes), decimal strings (stake, balances, indices above 2**53) become ``int``
(``Decimal``). :mod:`zkpov.client.codec` reads these annotations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

__all__ = [
    "Account",
    "AccountKey",
    "AccountProof",
    "Block",
    "BroadcastResult",
    "Commit",
    "Decimal",
    "DelegationEntry",
    "Delegations",
    "EpochChange",
    "EpochChanges",
    "Event",
    "Finalized",
    "Hash",
    "Header",
    "NetInfo",
    "NextValidator",
    "NodeInfo",
    "Peer",
    "Proof",
    "PublicKey",
    "QuorumCert",
    "StakingValidator",
    "Status",
    "Supply",
    "SyncInfo",
    "TransferReceipt",
    "Tx",
    "UnbondingEntry",
    "Validator",
    "Validators",
]


@dataclass(frozen=True)
class HexSize:
    """A hex field's exact length in bytes."""

    size: int


DECIMAL = "decimal"
Hash = Annotated[bytes, HexSize(32)]
PublicKey = Annotated[bytes, HexSize(48)]
AccountKey = Annotated[bytes, HexSize(32)]
Decimal = Annotated[int, DECIMAL]


@dataclass(frozen=True)
class Header:
    block_id: Hash
    epoch: int
    round: int
    height: int
    parent_id: Hash
    proposer: int
    state_root: Hash
    qc_digest: Hash
    payload_digest: Hash
    evidence_digest: Hash
    proof_digest: Hash
    randao_reveal: bytes
    timestamp_ms: int
    validator_set_commitment: Hash
    next_validator_set_commitment: bytes
    staking_root: bytes


@dataclass(frozen=True)
class QuorumCert:
    """``signers``: a bitfield of validator indices, little-endian bits."""

    epoch: int
    round: int
    block_id: Hash
    parent_round: int
    parent_id: Hash
    signature: bytes
    signers: bytes


@dataclass(frozen=True)
class Validator:
    """``index`` and ``voting_power``: the validator in its epoch's committed set (frozen at the
    epoch boundary; what QCs weigh). ``stake`` and ``slashed``: the staking ledger's live view
    (entry ``registry_index``; None: not registered)."""

    index: int
    pubkey: PublicKey
    voting_power: Decimal
    leader_weight: Decimal
    stake: Decimal
    slashed: Decimal
    registry_index: int | None


@dataclass(frozen=True)
class Block:
    block_id: Hash
    header: Header
    qc: QuorumCert
    txs: tuple[bytes, ...]
    evidence: tuple[bytes, ...]
    proof: bytes


@dataclass(frozen=True)
class Commit:
    height: int
    block_id: Hash
    header: Header
    certificate: QuorumCert
    commit_certificate: QuorumCert | None


@dataclass(frozen=True)
class Validators:
    """One page of the committed validator set of ``epoch``, signing at ``block_height``
    (``validator_set_commitment``: the one its headers carry); ledger fields as of
    ``ledger_height``."""

    block_height: int
    epoch: int
    count: int
    total: int
    total_power: Decimal
    validator_set_commitment: Hash
    ledger_height: int
    validators: tuple[Validator, ...]


@dataclass(frozen=True)
class NodeInfo:
    """``setup``: how the network's Groth16 keys were made, ``insecure`` or ``ceremony``."""

    node_id: bytes
    chain_id: str
    version: str
    setup: str


@dataclass(frozen=True)
class SyncInfo:
    latest_block_height: int
    latest_block_id: Hash
    latest_state_root: Hash
    latest_block_round: int
    earliest_block_height: int
    proven_final_height: int | None
    current_round: int
    catching_up: bool


@dataclass(frozen=True)
class Status:
    node_info: NodeInfo
    epoch: int
    sync_info: SyncInfo
    validator_info: Validator | None


@dataclass(frozen=True)
class Peer:
    node_id: bytes
    validator_pubkey: PublicKey
    address: str
    outbound: bool
    bytes_received: int
    bytes_sent: int
    validator_index: int | None


@dataclass(frozen=True)
class NetInfo:
    listening: bool
    listen_address: str
    n_peers: int
    peers: tuple[Peer, ...]


@dataclass(frozen=True)
class Tx:
    """``status``: committed, pending or dropped (then ``reason`` and ``message`` say why)."""

    hash: Hash
    status: str
    height: int | None
    index: int | None
    tx: bytes | None
    reason: str | None
    message: str | None


@dataclass(frozen=True)
class BroadcastResult:
    """``reason`` is empty when the transfer was accepted."""

    hash: Hash
    accepted: bool
    reason: str
    message: str


@dataclass(frozen=True)
class AccountProof:
    """Siblings are field elements, 32-byte big-endian, three per level."""

    depth: int
    leaf: Hash
    siblings: tuple[tuple[Hash, ...], ...]


@dataclass(frozen=True)
class Account:
    """``public_key`` None: an empty slot. ``pending_nonce``: the next nonce to use.
    ``bonded``, ``unbonding``: what the staking ledger holds for the account's key."""

    index: Decimal
    public_key: AccountKey | None
    balance: Decimal
    nonce: int
    pending_nonce: int
    height: int
    state_root: Hash
    proof: AccountProof | None
    bonded: Decimal
    unbonding: Decimal


@dataclass(frozen=True)
class Finalized:
    height: int
    block_id: Hash
    header: Header
    commit_certificate: QuorumCert
    validator_set_commitment: Hash
    proven_final_height: int | None


@dataclass(frozen=True)
class NextValidator:
    pubkey: PublicKey
    stake: Decimal


@dataclass(frozen=True)
class EpochChange:
    """How epoch ``header.epoch`` ended: the reconfiguration header (it names the next set), the
    suffix headers up to the one ``commit_certificate`` commits, and the next set."""

    header: Header
    suffix: tuple[Header, ...]
    commit_certificate: QuorumCert
    next_validators: tuple[NextValidator, ...]


@dataclass(frozen=True)
class EpochChanges:
    """``/v1/light/updates``: at most 64 epoch changes from ``from_epoch`` on (a light client
    decodes them strictly with :func:`zkpov.node.rpc.epoch_changes.decode_epoch_updates`)."""

    from_epoch: int
    current_epoch: int
    updates: tuple[EpochChange, ...]


@dataclass(frozen=True)
class Proof:
    height: int
    proven_in: int
    circuit_id: str
    proof: bytes
    public_inputs: tuple[Hash, ...]


@dataclass(frozen=True)
class Event:
    """``type``: new_block, finalized, proven_final, slashed (``validator``: the offender,
    ``amount``: stake burned) or rewards (``amount``: tokens minted)."""

    type: str
    height: int
    block_id: Hash
    state_root: Hash
    round: int
    num_txs: int
    validator: int | None
    amount: Decimal | None
    epoch: int | None  # epoch_change: the epoch that began, with who joined and left
    joined: tuple[int, ...] | None
    left: tuple[int, ...] | None


@dataclass(frozen=True)
class StakingValidator:
    """A validator in the staking ledger (``/v1/staking/validator``)."""

    index: int
    pubkey: PublicKey
    owner: bytes
    status: str
    self_stake: Decimal
    delegated: Decimal
    stake: Decimal
    slashed: Decimal
    commission_bps: int
    balance: Decimal
    owner_pending: Decimal
    outstanding: Decimal
    height: int


@dataclass(frozen=True)
class Supply:
    """The staking ledger's supply (``/v1/staking/supply``): initial + minted - burned ==
    total == bonded + unbonding + balances + outstanding (rewards pooled, not yet settled)
    when ``conserved``."""

    height: int
    initial: Decimal
    minted: Decimal
    burned: Decimal
    slashed: Decimal
    total: Decimal
    bonded: Decimal
    unbonding: Decimal
    balances: Decimal
    outstanding: Decimal
    deposited: Decimal
    withdrawn: Decimal
    conserved: bool


@dataclass(frozen=True)
class DelegationEntry:
    validator: int
    amount: Decimal
    pending_reward: Decimal


@dataclass(frozen=True)
class UnbondingEntry:
    amount: Decimal
    release_epoch: int
    validator: int | None
    matured: bool


@dataclass(frozen=True)
class Delegations:
    """What the staking ledger holds for an account's key (``/v1/staking/delegations``)."""

    account: Decimal
    owner: AccountKey | None
    self_stake: Decimal
    delegated: Decimal
    unbonding: Decimal
    delegations: tuple[DelegationEntry, ...]
    unbonding_entries: tuple[UnbondingEntry, ...]
    truncated: bool
    epoch: int
    height: int


@dataclass(frozen=True)
class TransferReceipt:
    """What ``send_transfer`` returns: the node's answer, and the height once committed (when
    it was asked to wait)."""

    result: BroadcastResult
    height: int | None
