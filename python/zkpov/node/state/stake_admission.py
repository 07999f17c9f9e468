"""Mempool admission of staking operations: the staking rules against the node's ledger.

A staking op (:class:`~zkpov.chain.operations.StakeOp`) shares its sender's nonce run with
transfers and goes through the same cheap checks (fee floor, sender, nonce, per-sender cap,
balance covering ``amount + fee`` after the pending debits). Then, still before any point is
decoded, the rules here: at most one pending staking op per sender (so a pending op is checked
against a ledger that no other pending op of its sender changes) and at most
``MAX_PENDING_STAKE_OPS`` in the pool, then the ledger rules of
:func:`~zkpov.chain.stake_ops.check_stake_operation` on the committed ledger (the validator
exists and is not leaving, what is undelegated is delegated, something has matured, the bond
reaches ``min_stake``, the BLS key is new, the editor owns the validator). The expensive part
comes last and once: the full decode (points), the Schnorr signature for this network's chain
tag, then a create_validator's BLS proof of possession. The ledger owner of an account is its
Schnorr public key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zkpov.chain.containers import ChainState
from zkpov.chain.operations import OpCode, StakeOp, decode_operation
from zkpov.chain.stake_ops import PopVerify, check_stake_operation
from zkpov.chain.state import Account
from zkpov.config import ConsensusConfig
from zkpov.crypto import bls, schnorr
from zkpov.errors import DecodeError, ValidatorError
from zkpov.node.state.admission import Rejection

__all__ = ["MAX_PENDING_STAKE_OPS", "StakeRules"]

MAX_PENDING_STAKE_OPS = 256  # in the whole pool; each is re-checked after every commit


@dataclass(frozen=True)
class StakeRules:
    """The committed staking ledger (``get_ledger``) and the rules' parameters."""

    get_ledger: Callable[[], ChainState]
    config: ConsensusConfig
    pop_verify: PopVerify = bls.pop_verify

    def check_pool(self, sender_has_one: bool, pending: int) -> Rejection | None:
        """The pool's limits: one pending staking op per sender, ``MAX_PENDING_STAKE_OPS``."""
        if sender_has_one:
            return Rejection("stake_pending", "its sender already has a staking op pending")
        if pending >= MAX_PENDING_STAKE_OPS:
            message = f"{MAX_PENDING_STAKE_OPS} staking ops are pending, the most allowed"
            return Rejection("mempool_full", message)
        return None

    def check_ledger(self, op: StakeOp, sender: Account) -> Rejection | None:
        """The ledger rules on the committed ledger (cheap: no copy, no point decoding)."""
        try:
            check_stake_operation(self.get_ledger(), self.config, op, sender.public_key)
        except ValidatorError as err:
            return Rejection("stake_rules", str(err))
        return None

    def check_signatures(
        self, op: StakeOp, data: bytes, sender: Account, chain_tag: int
    ) -> Rejection | None:
        """Decodes every point, verifies the Schnorr signature, then a create_validator's
        proof of possession."""
        try:
            decode_operation(data)
            valid = schnorr.verify(sender.public_key, op.message(chain_tag), op.signature)
        except DecodeError as err:
            return Rejection("malformed", str(err))
        if not valid:
            return Rejection("bad_signature", "the signature does not verify (for this network)")
        if op.op is OpCode.CREATE_VALIDATOR and not self.pop_verify(
            op.bls_public_key, op.proof_of_possession
        ):
            return Rejection("bad_signature", "the BLS proof of possession does not verify")
        return None
