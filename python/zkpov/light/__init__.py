"""A light client: follows a zkpov chain's finality (BLS quorum certificates of the trusted
validator set) and proven state (Groth16 validity proofs) over the RPC of two or more nodes,
trusting only a genesis file or a checkpoint. See :mod:`zkpov.light.client`."""

from zkpov.light.client import SyncReport, load_verifying_key, query_account, sync_chain
from zkpov.light.sync import Conflict, Witnessed
from zkpov.light.trust import Checkpoint, TrustedSet, parse_checkpoint

__all__ = [
    "Checkpoint",
    "Conflict",
    "SyncReport",
    "TrustedSet",
    "Witnessed",
    "load_verifying_key",
    "parse_checkpoint",
    "query_account",
    "sync_chain",
]
