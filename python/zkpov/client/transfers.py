"""Signing a transfer for ``send_transfer`` and waiting until it is committed or proven."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from zkpov.client.models import Status, Tx
from zkpov.errors import DecodeError, RpcStatusError, TransferFailedError

__all__ = ["WAIT_STAGES", "SigningKey", "TransferTerms", "sign", "wait_committed", "wait_proven"]

WAIT_STAGES = ("commit", "proven")
POLL_SECONDS = 0.25
_U64 = 2**64


class SigningKey(Protocol):
    """An account key: ``zkpov.node.ops.keys.read_key_file(path, KeyKind.ACCOUNT)`` gives one."""

    @property
    def secret(self) -> bytes: ...

    @property
    def public(self) -> bytes: ...


@dataclass(frozen=True)
class TransferTerms:
    recipient: bytes
    amount: int
    fee: int
    wait: str | None
    nonce: int | None = None  # None: the sender's pending_nonce, asked of the node

    def check(self) -> None:
        """``DecodeError`` for terms no node would accept, before any request."""
        if len(self.recipient) != 32:
            raise DecodeError(f"recipient must be a 32-byte public key, not {len(self.recipient)}")
        for name, value in (("amount", self.amount), ("fee", self.fee)):
            if not 0 <= value < _U64:
                raise DecodeError(f"{name} must be in [0, 2**64), not {value}")
        if self.nonce is not None and not 1 <= self.nonce < _U64:
            raise DecodeError(f"nonce must be in [1, 2**64), not {self.nonce}")
        if self.wait is not None and self.wait not in WAIT_STAGES:
            raise DecodeError(f"wait must be None or one of {WAIT_STAGES}, not {self.wait!r}")


def sign(key: SigningKey, terms: TransferTerms, nonce: int, depth: int, chain_tag: int) -> bytes:
    """The signed transfer's bytes for the network of ``chain_tag`` (the native core, loaded
    here: reading needs none)."""
    from zkpov.chain.state import compute_account_index, sign_transfer

    if not 1 <= nonce < _U64:
        raise DecodeError(f"nonce must be in [1, 2**64), not {nonce}")
    sender = compute_account_index(key.public, depth)
    to = compute_account_index(terms.recipient, depth)
    return sign_transfer(
        key.secret, sender, to, terms.recipient, terms.amount, nonce, terms.fee, chain_tag
    ).to_bytes()


async def _get_tx_or_none(get_tx: Callable[[bytes], Awaitable[Tx]], tx_hash: bytes) -> Tx | None:
    try:
        return await get_tx(tx_hash)
    except RpcStatusError as err:
        if err.status == 404:  # not seen yet (another node, or a race with admission)
            return None
        raise


async def wait_committed(
    get_tx: Callable[[bytes], Awaitable[Tx]], tx_hash: bytes, deadline: float
) -> int:
    """Polls ``/tx`` until the transfer is committed (its height) or dropped, or until the
    monotonic ``deadline`` (both ``TransferFailedError``)."""
    while time.monotonic() < deadline:
        found = await _get_tx_or_none(get_tx, tx_hash)
        if found is not None and found.status == "committed" and found.height is not None:
            return found.height
        if found is not None and found.status == "dropped":
            raise TransferFailedError(
                f"transfer {tx_hash.hex()} was dropped: {found.reason}: {found.message}"
            )
        await asyncio.sleep(POLL_SECONDS)
    raise TransferFailedError(f"transfer {tx_hash.hex()} was not committed in time")


async def wait_proven(
    get_status: Callable[[], Awaitable[Status]], height: int, deadline: float
) -> None:
    """Polls ``/status`` until ``height`` is proven final (``TransferFailedError`` if late)."""
    while time.monotonic() < deadline:
        proven = (await get_status()).sync_info.proven_final_height
        if proven is not None and proven >= height:
            return
        await asyncio.sleep(POLL_SECONDS)
    raise TransferFailedError(f"height {height} was not proven in time")
