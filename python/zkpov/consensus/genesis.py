"""The genesis block of an epoch and the QC every validator trusts for it."""

from __future__ import annotations

from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import Block, QuorumCert, VoteData
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BlockId, Height, Root, Round, ValidatorIndex

__all__ = ["make_genesis"]


def make_genesis(vset: ValidatorSet, state_root: Root) -> tuple[Block, QuorumCert]:
    """Genesis block (round 0, height 0, timestamp 0) and its root QC (no signers; trusted by
    construction)."""
    zero = BlockId(bytes(32))
    no_signers = compute_bitfield([], len(vset))
    placeholder = QuorumCert(VoteData(vset.epoch, Round(0), zero, Round(0), zero), no_signers, b"")
    genesis = Block(
        epoch=vset.epoch,
        round=Round(0),
        height=Height(0),
        parent_id=zero,
        proposer=ValidatorIndex(0),
        state_root=state_root,
        qc=placeholder,
        randao_reveal=vset.seed,
        validator_set_commitment=vset.commitment,
    )
    data = VoteData(vset.epoch, Round(0), genesis.id, Round(0), genesis.id)
    return genesis, QuorumCert(data, no_signers, b"")
