"""The state one block's execution moves: the account tree (proven) and the staking ledger
(re-executed), kept together so that every voter checks a payload's staking ops against the
ledger of the block's own branch, not the committed one.

:class:`BlockState` is what :class:`~zkpov.consensus.validity.NativeReexecution` keeps per
block in the node: ``apply_transfers`` runs a payload's operations of any kind on both sides
(:func:`~zkpov.chain.payload_ops.process_payload_operations`), and :meth:`finish_block` then
runs the block's economics (:func:`~zkpov.chain.transition.process_block`: evidence, rewards,
RANDAO; :func:`~zkpov.chain.ledger_root.apply_ledger_block`), in the order the committed
chain's ledger runs them. Its ``root`` is the account tree's (proven); its ``staking_root`` the
ledger's (``chain.ledger_root``, re-executed), which the header's ``staking_root`` names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zkpov.chain.containers import ChainState, copy_chain_state
from zkpov.chain.ledger_root import apply_ledger_block, compute_staking_root
from zkpov.chain.operations import Operation
from zkpov.chain.payload_ops import get_account_owner, process_payload_operations
from zkpov.chain.stake_ops import PopVerify
from zkpov.chain.state import AccountState
from zkpov.config import ConsensusConfig
from zkpov.crypto import bls
from zkpov.spec.messages import Block
from zkpov.spec.validators import ValidatorSet

__all__ = ["BlockState", "LedgerRules"]


@dataclass(frozen=True)
class LedgerRules:
    """What the ledger side needs besides the ledger: its config, the consensus set whose
    indices a block names (a function of the ledger: with epochs, the set its epoch elected),
    and the proof-of-possession check."""

    config: ConsensusConfig
    get_vset: Callable[[ChainState], ValidatorSet]
    pop_verify: PopVerify = bls.pop_verify


@dataclass
class BlockState:
    accounts: AccountState
    ledger: ChainState
    rules: LedgerRules

    @property
    def root(self) -> int:
        return self.accounts.root

    @property
    def staking_root(self) -> bytes:
        return compute_staking_root(self.ledger)

    def copy(self) -> BlockState:
        return BlockState(self.accounts.copy(), copy_chain_state(self.ledger), self.rules)

    def apply_transfers(self, ops: Sequence[Operation]) -> None:
        """A payload's operations of any kind, in order, on both sides (the validity checker's
        name for it). Errors leave this state part-way: run it on a copy."""
        owner = get_account_owner(self.accounts)
        config, pop = self.rules.config, self.rules.pop_verify
        process_payload_operations(self.ledger, config, ops, owner, pop, self.accounts)

    def finish_block(self, block: Block) -> bytes:
        """The block's economics on the ledger, after its payload; returns the staking root. A
        block of an epoch the ledger has already left (a reconfiguration block's suffix: no
        payload, never committed) moves nothing: its root is its parent's."""
        if block.epoch == self.ledger.epoch:  # else no set to build: nothing moves
            vset = self.rules.get_vset(self.ledger)
            apply_ledger_block(self.ledger, self.rules.config, vset, block)
        return self.staking_root
