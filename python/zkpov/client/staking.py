"""Signing a staking op for ``send_stake_op``: what the op does (:class:`StakeTerms`), checked
before any request, and its bytes for a network's tree depth and chain tag."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.client.transfers import WAIT_STAGES, SigningKey
from zkpov.errors import DecodeError

__all__ = ["STAKE_KINDS", "StakeTerms"]

STAKE_KINDS = ("create_validator", "delegate", "undelegate", "withdraw", "edit_validator")
_U64, _U32 = 2**64, 2**32


@dataclass(frozen=True)
class StakeTerms:
    """``kind`` of :data:`STAKE_KINDS`; ``validator``: the registry index (delegate,
    undelegate, edit_validator); ``amount``: the bond (create_validator, delegate) or what to
    unbond (undelegate); ``bls_secret``: the new validator's BLS secret key
    (create_validator: its public key and proof of possession are made from it)."""

    kind: str
    validator: int = 0
    amount: int = 0
    fee: int = 0
    commission_bps: int = 0
    bls_secret: bytes | None = None
    wait: str | None = None

    def check(self) -> None:
        """``DecodeError`` for terms no node would accept, before any request."""
        if self.kind not in STAKE_KINDS:
            raise DecodeError(f"kind must be one of {STAKE_KINDS}, not {self.kind!r}")
        for name, value, top in (("amount", self.amount, _U64), ("fee", self.fee, _U64),
                                 ("validator", self.validator, _U32),
                                 ("commission_bps", self.commission_bps, 10_001)):  # fmt: skip
            if not 0 <= value < top:
                raise DecodeError(f"{name} must be in [0, {top}), not {value}")
        if (self.kind == "create_validator") != (self.bls_secret is not None):
            raise DecodeError("a BLS secret key is for create_validator, and it needs one")
        if self.wait is not None and self.wait not in WAIT_STAGES:
            raise DecodeError(f"wait must be None or one of {WAIT_STAGES}, not {self.wait!r}")

    def sign(self, key: SigningKey, nonce: int, depth: int, chain_tag: int) -> bytes:
        """The signed op's bytes (the native core, loaded here: reading needs none)."""
        from zkpov.chain import operations as ops
        from zkpov.chain.state import compute_account_index

        sender, sk = compute_account_index(key.public, depth), key.secret
        args = (self.validator, self.amount, nonce, self.fee, chain_tag)
        if self.kind == "create_validator":
            assert self.bls_secret is not None  # check()
            op = ops.build_create_validator(
                sk, sender, self.bls_secret, self.commission_bps, self.amount, nonce, self.fee,
                chain_tag,
            )  # fmt: skip
        elif self.kind == "delegate":
            op = ops.sign_delegate(sk, sender, *args)
        elif self.kind == "undelegate":
            op = ops.sign_undelegate(sk, sender, *args)
        elif self.kind == "withdraw":
            op = ops.sign_withdraw(sk, sender, nonce, self.fee, chain_tag)
        else:
            edit = (self.validator, self.commission_bps, nonce, self.fee, chain_tag)
            op = ops.sign_edit_validator(sk, sender, *edit)
        return op.to_bytes()
