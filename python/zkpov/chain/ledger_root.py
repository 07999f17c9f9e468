"""The staking ledger's root (the header's ``staking_root``) and the one post-block step that
moves the ledger, shared by the proposer, every voter, the committed chain and fast sync so
that all of them compute the same root.

``staking_root`` = SHA-256(``DOMAIN_STAKING`` || ``encode_chain_state(ledger)``) of the ledger
after the block: validators, delegations, unbonding entries, balances and the
reward accounting. It is re-executed by every voter, not proven (the validity proof covers the
account tree).
"""

from __future__ import annotations

import hashlib

from zkpov.chain.containers import ChainState
from zkpov.chain.ledger_codec import encode_chain_state
from zkpov.chain.transition import process_block
from zkpov.config import ConsensusConfig
from zkpov.constants import DOMAIN_STAKING
from zkpov.spec.messages import Block
from zkpov.spec.validators import ValidatorSet

__all__ = ["apply_ledger_block", "compute_encoding_root", "compute_staking_root"]


def compute_encoding_root(encoding: bytes) -> bytes:
    """The staking root of a ledger given its canonical encoding (what fast sync receives)."""
    return hashlib.sha256(DOMAIN_STAKING + encoding).digest()


def compute_staking_root(ledger: ChainState) -> bytes:
    """The root a header commits to for ``ledger``."""
    return compute_encoding_root(encode_chain_state(ledger))


def apply_ledger_block(
    ledger: ChainState, config: ConsensusConfig, vset: ValidatorSet, block: Block
) -> bool:
    """The block's economics (evidence, rewards, RANDAO, epoch transition) on ``ledger``, after
    its payload's staking ops ran; ``vset`` is the set of the ledger's epoch. A block of an epoch
    the ledger has already left (a reconfiguration block's payload-free suffix) moves nothing,
    so its root is its parent's. Returns whether the block moved the ledger."""
    if block.epoch != ledger.epoch:
        return False
    process_block(ledger, config, vset, block)
    return True
