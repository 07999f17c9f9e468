"""What a node's RPC answers, as frozen dataclasses: one per response schema of the OpenAPI
document the node serves (``/openapi.json``), field for field, with the same names.

Hex becomes ``bytes`` (``Hash``: exactly 32 bytes; ``PublicKey``: 48-byte BLS; ``AccountKey``:
32 bytes), decimal strings (stake, balances, indices above 2**53) become ``int``
(``Decimal``). :mod:`zkpov.client.codec` reads these annotations.

The models live in one module per concept (``blocks``, ``validators``, ``node``, ``accounts``,
``staking``; the field types in ``fields``) and are all re-exported here.
"""

from __future__ import annotations

from zkpov.client.models.accounts import (
    Account,
    AccountProof,
    BroadcastResult,
    TransferReceipt,
    Tx,
)
from zkpov.client.models.blocks import Block, Commit, Finalized, Header, Proof, QuorumCert
from zkpov.client.models.fields import DECIMAL, AccountKey, Decimal, Hash, HexSize, PublicKey
from zkpov.client.models.node import Event, NetInfo, NodeInfo, Peer, Status, SyncInfo
from zkpov.client.models.staking import (
    DelegationEntry,
    Delegations,
    StakingValidator,
    Supply,
    UnbondingEntry,
)
from zkpov.client.models.validators import (
    EpochChange,
    EpochChanges,
    NextValidator,
    Validator,
    Validators,
)

__all__ = [
    "DECIMAL",
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
    "HexSize",
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
