"""``ZkpovClient``: the same calls as :class:`AsyncZkpovClient`, blocking.

It runs the async client on a private event loop, so it is for code that has no running loop
(scripts, the CLI); inside ``async`` code use :class:`AsyncZkpovClient`.

    with ZkpovClient("http://127.0.0.1:26657") as node:
        print(node.status().sync_info.latest_block_height)
        for event in node.events(["finalized"]):
            ...
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Coroutine, Iterable, Iterator
from types import TracebackType
from typing import Any, TypeVar

from zkpov.client import models as m
from zkpov.client.aio import DEFAULT_URL, AsyncZkpovClient
from zkpov.client.staking import StakeTerms
from zkpov.client.transfers import SigningKey
from zkpov.client.transport import DEFAULT_MAX_RESPONSE_BYTES

__all__ = ["ZkpovClient"]

T = TypeVar("T")


class ZkpovClient:
    """One node's RPC at ``url``, blocking; see :class:`AsyncZkpovClient` for each call."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        timeout: float = 10.0,
        event_idle_timeout: float = 60.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.aio = AsyncZkpovClient(
            url, timeout=timeout, event_idle_timeout=event_idle_timeout,
            max_response_bytes=max_response_bytes,
        )  # fmt: skip
        self._loop = asyncio.new_event_loop()

    def __enter__(self) -> ZkpovClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if not self._loop.is_closed():
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())  # open event streams
            self._loop.run_until_complete(self.aio.close())
            self._loop.close()

    def _run(self, call: Coroutine[Any, Any, T]) -> T:
        if self._loop.is_closed():
            call.close()  # never started: no "never awaited" warning
            raise RuntimeError("the client is closed")
        return self._loop.run_until_complete(call)

    def status(self) -> m.Status:
        return self._run(self.aio.status())

    def net_info(self) -> m.NetInfo:
        return self._run(self.aio.net_info())

    def block(self, height: int | None = None) -> m.Block:
        return self._run(self.aio.block(height))

    def commit(self, height: int | None = None) -> m.Commit:
        return self._run(self.aio.commit(height))

    def validators(
        self,
        height: int | None = None,
        page: int | None = None,
        per_page: int | None = None,
        epoch: int | None = None,
    ) -> m.Validators:
        return self._run(self.aio.validators(height, page, per_page, epoch))

    def account(
        self, index: int | None = None, public_key: bytes | None = None, proof: bool = False
    ) -> m.Account:
        return self._run(self.aio.account(index, public_key, proof))

    def tx(self, tx_hash: bytes) -> m.Tx:
        return self._run(self.aio.tx(tx_hash))

    def finalized(self) -> m.Finalized:
        return self._run(self.aio.finalized())

    def epoch_changes(self, from_epoch: int) -> m.EpochChanges:
        return self._run(self.aio.epoch_changes(from_epoch))

    def staking_validator(self, index: int) -> m.StakingValidator:
        return self._run(self.aio.staking_validator(index))

    def supply(self) -> m.Supply:
        return self._run(self.aio.supply())

    def delegations(
        self, index: int | None = None, public_key: bytes | None = None
    ) -> m.Delegations:
        return self._run(self.aio.delegations(index, public_key))

    def proof(self, height: int | None = None) -> m.Proof:
        return self._run(self.aio.proof(height))

    def genesis(self) -> dict[str, Any]:
        return self._run(self.aio.genesis())

    def broadcast_tx(self, tx: bytes) -> m.BroadcastResult:
        return self._run(self.aio.broadcast_tx(tx))

    def send_transfer(
        self,
        key: SigningKey,
        recipient: bytes,
        amount: int,
        *,
        fee: int = 0,
        nonce: int | None = None,
        wait: str | None = None,
        timeout: float = 60.0,
    ) -> m.TransferReceipt:
        return self._run(
            self.aio.send_transfer(
                key, recipient, amount, fee=fee, nonce=nonce, wait=wait, timeout=timeout
            )
        )

    def send_stake_op(
        self, key: SigningKey, terms: StakeTerms, *, nonce: int | None = None,
        timeout: float = 60.0,
    ) -> m.TransferReceipt:  # fmt: skip
        return self._run(self.aio.send_stake_op(key, terms, nonce=nonce, timeout=timeout))

    def events(self, types: Iterable[str] | None = None) -> Iterator[m.Event]:
        """The node's events as they happen; closing the iterator closes the stream."""
        stream = self.aio.events(types)
        try:
            while True:
                try:
                    yield self._run(_next(stream))
                except StopAsyncIteration:
                    return
        finally:
            if not self._loop.is_closed():  # else close() has ended the stream already
                self._run(stream.aclose())


async def _next(stream: AsyncGenerator[m.Event, None]) -> m.Event:
    return await anext(stream)
