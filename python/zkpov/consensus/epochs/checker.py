"""The validity checker of one epoch: the epoch's header rules and next-set commitment, then
the wrapped checker (re-execution, carried proofs); and the sealer that makes a leader's block
obey the same rules.

The evidence check (:class:`~zkpov.consensus.evidence_check.EvidenceChecker`) wraps the
``EpochChecker``, not the other way round: its caps and its one batched signature check run
before the speculative ``process_block`` (a deep copy of the chain state, each evidence item
re-verified one by one), so forged or oversized evidence is refused before that work; it is
built per epoch (evidence is checked against the epoch's set) over one committed-offence index
shared by every epoch; and it is the checker the core holds, so a proposer's
``select_evidence`` sees it.
"""

from __future__ import annotations

import dataclasses

from zkpov.chain.containers import ChainState
from zkpov.consensus.epochs.boundary import check_epoch_block
from zkpov.consensus.epochs.sets import get_epoch_set
from zkpov.consensus.epochs.speculative import SpeculativeChain
from zkpov.consensus.evidence_check import EvidenceChecker
from zkpov.consensus.evidence_index import EvidenceIndex
from zkpov.consensus.validity import ValidityChecker
from zkpov.spec.messages import Block
from zkpov.spec.payload import InvalidBlock
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Root

__all__ = ["EpochChecker", "check_next_set", "wrap_evidence_check"]


def check_next_set(block: Block, expected: bytes) -> None:
    """``block`` names exactly the next set the economics of its chain elect."""
    if block.next_validator_set_commitment != expected:
        raise InvalidBlock(f"block at round {block.round} names the wrong next validator set")


class EpochChecker:
    """A :class:`~zkpov.consensus.validity.ValidityChecker` for epoch ``chain.window``."""

    def __init__(self, inner: ValidityChecker, chain: SpeculativeChain) -> None:
        self.inner, self.chain, self.window = inner, chain, chain.window
        self.ending_state: ChainState | None = None  # after the committed reconfiguration block

    def check_block(self, block: Block, parent: Block) -> None:
        """Cheap header rules, then the next set from the speculative state, then the inner
        checker; the block's state is kept only once all of it passed."""
        check_epoch_block(block, parent, self.window)
        state = self.chain.compute_after(block, parent)
        check_next_set(block, self._get_next_commitment(block, state))
        self.inner.check_block(block, parent)
        self.chain.remember(block, state)

    def compute_post_root(self, parent: Block, payload: bytes) -> Root:
        return self.inner.compute_post_root(parent, payload)

    def compute_staking_root(self, block: Block, parent: Block) -> bytes:
        return self.inner.compute_staking_root(block, parent)

    def on_commit(self, block: Block) -> None:
        """Suffix blocks stop here: they never join the committed log, and the shared inner
        checker pruning to one would drop R's entries (with carried proofs, R's proof debt:
        every block of the next epoch would then fail, a stall at R)."""
        if self.window.is_suffix(block):
            return
        if self.window.is_reconfiguration(block):
            self.ending_state = self.chain.get(block.id)
        self.inner.on_commit(block)
        self.chain.prune(block)

    def seal(self, block: Block, parent: Block) -> Block:
        """A leader's block made to obey the epoch: emptied in the suffix, naming the next set
        at the reconfiguration height (computed as every voter will)."""
        if self.window.is_suffix(block):
            return dataclasses.replace(
                block, payload=b"", proof=b"", evidence=(), state_root=parent.state_root
            )
        if not self.window.is_reconfiguration(block):
            return block
        state = self.chain.compute_after(block, parent)
        return dataclasses.replace(
            block, next_validator_set_commitment=self._get_next_commitment(block, state)
        )

    def _get_next_commitment(self, block: Block, state: ChainState) -> bytes:
        if not self.window.is_reconfiguration(block):
            return b""
        return bytes(get_epoch_set(state).commitment)


def wrap_evidence_check(
    checker: EpochChecker, vset: ValidatorSet, index: EvidenceIndex | None
) -> ValidityChecker:
    """The checker an epoch's core holds: the evidence check outside ``checker`` (see the
    module docstring), or ``checker`` alone when ``index`` is None."""
    return checker if index is None else EvidenceChecker(checker, vset, index)
