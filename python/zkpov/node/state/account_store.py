"""The committed account state in the block store's state namespace (LMDB by default).

One entry per account: key ``accounts/`` + index (8 bytes, big-endian), value public key (32) +
balance (8, BE) + nonce (8, BE). Entries change in the same atomic batch as the commit that
changed them, so the stored accounts are always those of the stored root block. On restart the
tree is rebuilt from them (its interior nodes are recomputed, not stored) and its root is checked
against the root block's state root: a store that disagrees is refused, never used.
"""

from __future__ import annotations

from collections.abc import Iterable

from zkpov.chain.state import Account, AccountState
from zkpov.crypto import schnorr
from zkpov.errors import DecodeError
from zkpov.storage.block_store import BlockStore, WriteBatch

__all__ = ["ACCOUNT_PREFIX", "load_accounts", "put_account_entries", "put_accounts"]

ACCOUNT_PREFIX = b"accounts/"
_VALUE_BYTES = schnorr.PUBLIC_KEY_BYTES + 16


def _key(index: int) -> bytes:
    return ACCOUNT_PREFIX + index.to_bytes(8, "big")


def _encode(account: Account) -> bytes:
    return (
        account.public_key + account.balance.to_bytes(8, "big") + account.nonce.to_bytes(8, "big")
    )


def _decode(key: bytes, value: bytes) -> tuple[int, Account]:
    if len(key) != len(ACCOUNT_PREFIX) + 8 or len(value) != _VALUE_BYTES:
        raise DecodeError(f"stored account entry {key!r} is malformed")
    pk = value[: schnorr.PUBLIC_KEY_BYTES]
    balance = int.from_bytes(value[-16:-8], "big")
    nonce = int.from_bytes(value[-8:], "big")
    return int.from_bytes(key[len(ACCOUNT_PREFIX) :], "big"), Account(pk, balance, nonce)


def put_accounts(batch: WriteBatch, state: AccountState, indices: Iterable[int]) -> WriteBatch:
    """Adds the current value of each account in ``indices`` to ``batch``."""
    for index in sorted(set(indices)):
        account = state.get_account(index)
        if account is not None:
            batch.put_state(_key(index), _encode(account))
    return batch


def put_account_entries(batch: WriteBatch, entries: Iterable[tuple[int, Account]]) -> WriteBatch:
    """Adds each ``(index, account)`` to ``batch`` as is (accounts already checked elsewhere)."""
    for index, account in entries:
        batch.put_state(_key(index), _encode(account))
    return batch


def load_accounts(store: BlockStore, depth: int, chain_tag: int) -> AccountState:
    """The stored accounts as a tree of ``depth`` on the network of ``chain_tag``
    (``DecodeError`` for a malformed entry)."""
    state = AccountState(depth, chain_tag)
    for key, value in store.iter_state(ACCOUNT_PREFIX):
        index, account = _decode(key, value)
        state.restore_account(index, account)
    return state
