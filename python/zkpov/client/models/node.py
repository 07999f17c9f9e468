"""The node about itself: status and sync progress, its peers, and its ``/events`` stream."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.client.models.fields import Decimal, Hash, PublicKey
from zkpov.client.models.validators import Validator

__all__ = ["Event", "NetInfo", "NodeInfo", "Peer", "Status", "SyncInfo"]


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
