"""How many transfers this node puts in a block it proposes: a node setting (``[mempool]
max_block_transfers`` in config.toml), proposer policy and not a consensus rule.

Validators accept any block within the decoding caps (``MAX_TRANSFERS_PER_BLOCK = 4096``
transfers, ``MAX_PAYLOAD_BYTES = 1 MiB``) whose transfers re-execute, so ``MAX_BLOCK_TRANSFERS``
is that decoding cap (4096 transfers of 138 encoded bytes are 552 KiB). With proofs on, a
proposer fills at most the circuit's batch (what one proof covers). Without proofs it fills at
most ``max_block_transfers``, by default ``DEFAULT_BLOCK_TRANSFERS = 256``: about 35 KiB of
payload, 512 transfers a second at 0.5 s blocks (4x the former 64), and a block the batched
apply executes in a fraction of a round; docs/design.md ("Block capacity") has the measurements.
Sync answers are bounded in bytes (``consensus/sync.py``), so larger blocks still sync.
"""

from __future__ import annotations

from zkpov.spec.codec.payload import MAX_TRANSFERS_PER_BLOCK

__all__ = ["DEFAULT_BLOCK_TRANSFERS", "MAX_BLOCK_TRANSFERS", "get_block_capacity"]

DEFAULT_BLOCK_TRANSFERS = 256
MAX_BLOCK_TRANSFERS = MAX_TRANSFERS_PER_BLOCK


def get_block_capacity(max_block_transfers: int, proofs_enabled: bool, batch_size: int) -> int:
    """The most transfers in one of our proposals: the circuit's batch with proofs on, else
    the configured cap."""
    return batch_size if proofs_enabled else max_block_transfers
