"""Accounts and transactions as the RPC shows them (``/account``, ``/tx``): the committed
account tree and staking ledger, and the mempool's pending and recently dropped entries."""

from __future__ import annotations

import hashlib

from zkpov.chain.state import Account, AccountState, compute_account_index
from zkpov.node.rpc.staking_view import get_holdings
from zkpov.node.rpc.view import AccountQueryError, AccountRecord, TxRecord
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.node.state.mempool import Mempool
from zkpov.spec.codec.payload import decode_payload
from zkpov.spec.payload import compute_root_bytes

__all__ = ["find_account", "get_account_record", "get_tx_record"]


def get_tx_record(chain: CommittedChain, mempool: Mempool, tx_hash: bytes) -> TxRecord | None:
    """Pending, else committed, else recently dropped (the mempool's bounded memory)."""
    pending = mempool.get_pending(tx_hash)
    if pending is not None:
        return TxRecord(tx_hash, None, None, pending.to_bytes(), "pending")
    committed = _get_committed_tx(chain, tx_hash)
    if committed is not None:
        return committed
    dropped = mempool.dropped.get(tx_hash)
    if dropped is None:
        return None
    return TxRecord(tx_hash, None, None, None, "dropped", dropped.reason, dropped.message)


def _get_committed_tx(chain: CommittedChain, tx_hash: bytes) -> TxRecord | None:
    height = chain.store.get_tx_height(tx_hash)
    block = None if height is None else chain.get_block(height)
    if height is None or block is None:
        return None
    for i, tx in enumerate(decode_payload(block.payload)):
        if hashlib.sha256(tx).digest() == tx_hash:
            return TxRecord(tx_hash, height, i, tx)
    return None


def get_account_record(
    chain: CommittedChain, mempool: Mempool, key: int | bytes, with_proof: bool
) -> AccountRecord:
    """The account ``key`` names, its next nonce after its pending transactions, its stake in
    the ledger and (``with_proof``) its Merkle proof against the committed root."""
    state = chain.state
    index, account = find_account(state, key)
    nonce = 0 if account is None else account.nonce
    pending = mempool.get_pending_count(index)
    owner = None if account is None else account.public_key
    bonded, unbonding = get_holdings(chain.ledger.state, owner)
    return AccountRecord(
        index, owner, 0 if account is None else account.balance, nonce, nonce + 1 + pending,
        chain.height, compute_root_bytes(state.root),
        state.get_proof(index) if with_proof else None, bonded, unbonding,
    )  # fmt: skip


def find_account(state: AccountState, key: int | bytes) -> tuple[int, Account | None]:
    """The slot ``key`` names (an index, or a key's conventional index) and its account."""
    index = key if isinstance(key, int) else compute_account_index(key, state.depth)
    if index >> state.depth:
        raise AccountQueryError(f"index {index} is outside the account tree (2**{state.depth})")
    account = state.get_account(index)
    if isinstance(key, bytes) and account is not None and account.public_key != key:
        raise AccountQueryError(f"account {index}, this key's index, holds another key")
    return index, account
