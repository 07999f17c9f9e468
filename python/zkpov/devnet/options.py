"""What ``zkpov devnet`` is asked to run (:class:`DevnetOptions`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zkpov.node.state.block_capacity import DEFAULT_BLOCK_TRANSFERS

__all__ = ["DevnetOptions"]


@dataclass(frozen=True)
class DevnetOptions:
    directory: Path
    validators: int = 4
    blocks: int = 10
    proofs: bool = True
    base_port: int = 26656
    timeout: float = 600.0
    batch_size: int = 2
    depth: int = 8
    proof_lag: int = 8  # blocks carry proofs at most this many heights behind (0: gossip only)
    accounts: int = 8  # funded accounts the load sends from (at most half the tree's slots)
    in_flight: int = 64  # proofs off: transfers the closed-loop load keeps uncommitted
    byzantine: tuple[tuple[str, int], ...] = ()  # (attack mode, validator index): test only
    prover_workers: int = 0  # > 0: a local Dask cluster of that many workers proves for all
    stake_every: int = 0  # > 0: every Nth op of each account is a delegate (zkpov.devnet.load)
    max_block_transfers: int = DEFAULT_BLOCK_TRANSFERS  # each node's proposals, proofs off
    epoch_length: int | None = None  # the validator set changes every that many blocks
    join: int = 0  # validators that join by create_validator (zkpov.devnet.joiners)
