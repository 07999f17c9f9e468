"""Mempool admission: which transfer may take a slot, and why one may not.

A transfer is checked against the committed account state plus its sender's pending transfers,
cheap checks first: the shape, the fee floor, that the sender exists, the nonce (exactly the
sender's next one after its pending run), the per-sender cap, the balance after the pending
debits and the recipient slot (empty, or holding the key the transfer names). Only a transfer
that passes all of them has its key and signature points decoded and its Schnorr signature
verified (the expensive part, ~0.5 ms), once; ``check_signatures`` gives the same verdicts for
many transfers at once, their signatures verified in one batch. A refusal is a
:class:`Rejection`: a short stable code from :data:`REJECT_REASONS` (the label of
``zkpov_mempool_rejected_transfers_total``) plus a message that says what was wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkpov.chain.operations import StakeOp
from zkpov.chain.state import Account, AccountState, Transfer
from zkpov.crypto import accounts, schnorr
from zkpov.errors import DecodeError

__all__ = [
    "DROP_REASONS",
    "REJECT_REASONS",
    "PendingRun",
    "Rejection",
    "check_cheap",
    "check_recipient",
    "check_signature",
    "check_signatures",
    "get_sender",
]

REJECT_REASONS = (
    "malformed", "duplicate", "already_committed", "fee_too_low", "unknown_sender",
    "nonce_too_low", "nonce_taken", "nonce_gap", "sender_cap", "insufficient_balance",
    "recipient_key_mismatch", "mempool_full", "bad_signature", "stake_pending", "stake_rules",
)  # fmt: skip
# why a transfer that was pending left without being committed
DROP_REASONS = ("evicted", "nonce_too_low", "insufficient_balance", "nonce_gap",
                "recipient_key_mismatch", "stake_rules")  # fmt: skip


@dataclass(frozen=True)
class Rejection:
    reason: str  # one of REJECT_REASONS or DROP_REASONS
    message: str


_BAD_SIGNATURE = Rejection(
    "bad_signature", "the signature does not verify (for this network's chain tag)"
)


@dataclass(frozen=True)
class PendingRun:
    """What a sender already has pending: how many transfers and their amounts plus fees."""

    count: int = 0
    debits: int = 0


def get_sender(state: AccountState, index: int) -> Account | None:
    """The committed account at ``index``; None if empty or outside the tree."""
    return state.get_account(index) if index >> state.depth == 0 else None


def check_cheap(
    t: Transfer | StakeOp, sender: Account | None, run: PendingRun, min_fee: int, cap: int
) -> Rejection | None:
    """The checks that cost no point decoding, in order; None if ``t`` passes them (a staking
    op's ``amount`` is its bond: what it debits besides the fee)."""
    if t.fee < min_fee:
        return Rejection("fee_too_low", f"fee {t.fee} is below the minimum {min_fee}")
    if sender is None:
        return Rejection("unknown_sender", f"sender account {t.sender} does not exist")
    return _check_nonce(t, sender, run, cap) or _check_balance(t, sender, run)


def _check_nonce(
    t: Transfer | StakeOp, sender: Account, run: PendingRun, cap: int
) -> Rejection | None:
    expected = sender.nonce + 1 + run.count
    if t.nonce <= sender.nonce:
        return Rejection(
            "nonce_too_low", f"nonce {t.nonce} is used; the committed nonce is {sender.nonce}"
        )
    if t.nonce < expected:
        return Rejection("nonce_taken", f"nonce {t.nonce} is already pending")
    if t.nonce > expected:
        return Rejection("nonce_gap", f"nonce {t.nonce} leaves a gap; the next is {expected}")
    if run.count >= cap:
        return Rejection("sender_cap", f"sender {t.sender} has {cap} pending, the most allowed")
    return None


def _check_balance(t: Transfer | StakeOp, sender: Account, run: PendingRun) -> Rejection | None:
    need = run.debits + t.amount + t.fee
    if need > sender.balance:
        return Rejection(
            "insufficient_balance",
            f"amount plus fee plus pending debits is {need}, the balance {sender.balance}",
        )
    return None


def check_recipient(t: Transfer, holder: bytes | None) -> Rejection | None:
    """``holder`` is the key the recipient slot holds (committed, or claimed by a pending
    transfer to an empty slot); None for a free slot."""
    if holder is None or holder == t.recipient_public_key:
        return None
    return Rejection(
        "recipient_key_mismatch", f"account {t.recipient} holds another key than the transfer's"
    )


def check_signature(t: Transfer, data: bytes, sender: Account, chain_tag: int) -> Rejection | None:
    """Decodes the points and verifies the signature, for the network of ``chain_tag``, under
    the sender's committed key."""
    try:
        accounts.check_transfer_bytes(data)
        valid = schnorr.verify(sender.public_key, t.message(chain_tag), t.signature)
    except DecodeError as err:
        return Rejection("malformed", str(err))
    return None if valid else _BAD_SIGNATURE


def check_signatures(
    items: Sequence[tuple[Transfer, bytes, Account]], chain_tag: int
) -> list[Rejection | None]:
    """``check_signature`` for each ``(transfer, its bytes, sender)``, the same verdicts, with
    each transfer decoded once and the signatures verified together, ``MAX_BATCH`` at a time
    (:func:`~zkpov.crypto.accounts.check_transfer_signatures`)."""
    pairs = [(data, sender.public_key) for _, data, sender in items]
    step, check = schnorr.MAX_BATCH, accounts.check_transfer_signatures
    found = [v for i in range(0, len(pairs), step)
             for v in check(pairs[i : i + step], chain_tag)]  # fmt: skip
    return [_to_rejection(valid, why) for valid, why in found]


def _to_rejection(valid: bool, why: str | None) -> Rejection | None:
    if why is not None:
        return Rejection("malformed", why)
    return None if valid else _BAD_SIGNATURE
