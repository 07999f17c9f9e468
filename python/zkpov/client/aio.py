"""``AsyncZkpovClient``: a node's RPC as typed ``async`` calls.

    async with AsyncZkpovClient("http://127.0.0.1:26657") as node:
        status = await node.status()
        receipt = await node.send_transfer(key, recipient, 5, fee=1, wait="commit")
        async for event in node.events(["finalized"]):
            ...

Answers decode strictly into :mod:`zkpov.client.models`; a non-200 answer raises
:class:`~zkpov.errors.RpcStatusError`, a malformed or oversized one
:class:`~zkpov.errors.RpcAnswerError`; network failures stay ``aiohttp.ClientError``.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, Iterable
from types import TracebackType
from typing import Any, TypeVar

import aiohttp

from zkpov.client import models as m
from zkpov.client.codec import decode_answer
from zkpov.client.sse import read_frames
from zkpov.client.staking import StakeTerms
from zkpov.client.transfers import SigningKey, TransferTerms, sign, wait_committed, wait_proven
from zkpov.client.transport import DEFAULT_MAX_RESPONSE_BYTES, Transport
from zkpov.errors import DecodeError, RpcAnswerError, TransferFailedError

__all__ = ["DEFAULT_URL", "EVENT_TYPES", "AsyncZkpovClient"]

T = TypeVar("T")
DEFAULT_URL = "http://127.0.0.1:26657"
EVENT_TYPES = ("new_block", "finalized", "proven_final", "epoch_change")


def _query(**params: object) -> dict[str, str]:
    """The query string's values; ``None`` left out, booleans as ``true``/``false``."""
    text = {True: "true", False: "false"}
    return {
        k: text[v] if isinstance(v, bool) else str(v) for k, v in params.items() if v is not None
    }


class AsyncZkpovClient:
    """One node's RPC at ``url``. ``timeout``: seconds per request (not for ``events``, which
    waits up to ``event_idle_timeout`` seconds between two lines)."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        timeout: float = 10.0,
        event_idle_timeout: float = 60.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout, self.event_idle_timeout = timeout, event_idle_timeout
        self.max_response_bytes = max_response_bytes
        self._transport: Transport | None = None
        self._network: tuple[int, int] | None = None

    async def __aenter__(self) -> AsyncZkpovClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._transport is not None:
            await self._transport.session.close()
            self._transport = None

    def _get_transport(self) -> Transport:
        if self._transport is None:
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            session = aiohttp.ClientSession(timeout=timeout)
            self._transport = Transport(session, self.url, self.max_response_bytes)
        return self._transport

    async def _get(self, cls: type[T], path: str, **params: object) -> T:
        doc = await self._get_transport().get_json(path, _query(**params))
        return decode_answer(cls, doc, path)

    async def status(self) -> m.Status:
        return await self._get(m.Status, "/status")

    async def net_info(self) -> m.NetInfo:
        return await self._get(m.NetInfo, "/net_info")

    async def block(self, height: int | None = None) -> m.Block:
        """The block at ``height``, the latest when None."""
        return await self._get(m.Block, "/block", height=height)

    async def commit(self, height: int | None = None) -> m.Commit:
        return await self._get(m.Commit, "/commit", height=height)

    async def validators(
        self,
        height: int | None = None,
        page: int | None = None,
        per_page: int | None = None,
        epoch: int | None = None,
    ) -> m.Validators:
        """One page of the validator set signing at ``height`` (the latest when None), or of
        ``epoch`` (current or past; give at most one of the two)."""
        return await self._get(
            m.Validators, "/validators", height=height, page=page, per_page=per_page, epoch=epoch
        )

    async def account(
        self, index: int | None = None, public_key: bytes | None = None, proof: bool = False
    ) -> m.Account:
        """The account at ``index``, or at ``public_key``'s slot (give exactly one)."""
        if (index is None) == (public_key is None):
            raise DecodeError("give exactly one of index and public_key")
        key = None if public_key is None else public_key.hex()
        return await self._get(m.Account, "/account", index=index, public_key=key, proof=proof)

    async def tx(self, tx_hash: bytes) -> m.Tx:
        return await self._get(m.Tx, "/tx", hash=tx_hash.hex())

    async def finalized(self) -> m.Finalized:
        return await self._get(m.Finalized, "/light/finalized")

    async def epoch_changes(self, from_epoch: int) -> m.EpochChanges:
        """The epoch changes the node serves from ``from_epoch`` on (at most 64)."""
        return await self._get(m.EpochChanges, "/v1/light/updates", from_epoch=from_epoch)

    async def staking_validator(self, index: int) -> m.StakingValidator:
        """Validator ``index`` in the node's committed staking ledger."""
        return await self._get(m.StakingValidator, "/v1/staking/validator", index=index)

    async def supply(self) -> m.Supply:
        return await self._get(m.Supply, "/v1/staking/supply")

    async def delegations(
        self, index: int | None = None, public_key: bytes | None = None
    ) -> m.Delegations:
        """What the staking ledger holds for the account at ``index`` or ``public_key``'s slot
        (give exactly one): self stake, delegations and unbonding entries."""
        if (index is None) == (public_key is None):
            raise DecodeError("give exactly one of index and public_key")
        key = None if public_key is None else public_key.hex()
        path = "/v1/staking/delegations"
        return await self._get(m.Delegations, path, index=index, public_key=key)

    async def proof(self, height: int | None = None) -> m.Proof:
        """The validity proof of ``height`` (the latest proven when None)."""
        return await self._get(m.Proof, "/light/proof", height=height)

    async def genesis(self) -> dict[str, Any]:
        """The genesis document as the node serves it (checked only when a transfer needs it)."""
        doc = await self._get_transport().get_json("/genesis", {})
        if not isinstance(doc, dict) or not isinstance(doc.get("genesis"), dict):
            raise RpcAnswerError("/genesis: expected an object with a 'genesis' object")
        return doc

    async def broadcast_tx(self, tx: bytes) -> m.BroadcastResult:
        doc = await self._get_transport().post_json("/broadcast_tx", {"tx": tx.hex()})
        return decode_answer(m.BroadcastResult, doc, "/broadcast_tx")

    async def send_transfer(
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
        """Signs and broadcasts a transfer; its nonce is the sender's ``pending_nonce`` unless
        given. ``wait``: None, ``"commit"`` or ``"proven"``, for up to ``timeout`` seconds.
        ``TransferFailedError`` when refused, dropped or not landed in time."""
        terms = TransferTerms(recipient, amount, fee, wait, nonce)
        terms.check()
        depth, chain_tag = await self._get_network()
        if nonce is None:
            nonce = await self._get_pending_nonce(key.public)
        tx = sign(key, terms, nonce, depth, chain_tag)
        return await self._send(tx, "transfer", wait, timeout)

    async def send_stake_op(
        self, key: SigningKey, terms: StakeTerms, *, nonce: int | None = None,
        timeout: float = 60.0,
    ) -> m.TransferReceipt:  # fmt: skip
        """Signs and broadcasts a staking op of account ``key`` (its nonce the sender's
        ``pending_nonce`` unless given), waiting as ``terms.wait`` says. ``TransferFailedError``
        when refused, dropped or not landed in time."""
        terms.check()
        depth, chain_tag = await self._get_network()
        if nonce is None:
            nonce = await self._get_pending_nonce(key.public)
        tx = terms.sign(key, nonce, depth, chain_tag)
        return await self._send(tx, terms.kind, terms.wait, timeout)

    async def _send(
        self, tx: bytes, what: str, wait: str | None, timeout: float
    ) -> m.TransferReceipt:
        result = await self.broadcast_tx(tx)
        if not result.accepted:
            raise TransferFailedError(
                f"{what} {result.hash.hex()} refused: {result.reason}: {result.message}"
            )
        height = None if wait is None else await self._wait(result.hash, wait, timeout)
        return m.TransferReceipt(result, height)

    async def _get_network(self) -> tuple[int, int]:
        """The tree depth and chain tag of the node's genesis (its hash computed here)."""
        if self._network is None:
            from zkpov.chain.state import compute_chain_tag
            from zkpov.node.state.genesis import compute_genesis_hash, decode_genesis

            doc = await self.genesis()
            genesis = decode_genesis(json.dumps(doc["genesis"]))
            tag = compute_chain_tag(compute_genesis_hash(genesis))
            self._network = (genesis.circuit_tree_depth, tag)
        return self._network

    async def _get_pending_nonce(self, public_key: bytes) -> int:
        found = await self.account(public_key=public_key)
        if found.public_key != public_key:
            raise TransferFailedError("the sender's account does not exist on this chain")
        return found.pending_nonce

    async def _wait(self, tx_hash: bytes, wait: str, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        height = await wait_committed(self.tx, tx_hash, deadline)
        if wait == "proven":
            await wait_proven(self.status, height, deadline)
        return height

    async def events(self, types: Iterable[str] | None = None) -> AsyncGenerator[m.Event, None]:
        """The node's events (``new_block``, ``finalized``, ``proven_final``, ``epoch_change``;
        all when None) as they happen, until the node ends the stream. Past events are not
        replayed."""
        chosen = sorted(set(EVENT_TYPES if types is None else types))
        if not chosen or not set(chosen) <= set(EVENT_TYPES):
            raise DecodeError(f"event types must be a non-empty subset of {EVENT_TYPES}")
        timeout = aiohttp.ClientTimeout(total=None, sock_read=self.event_idle_timeout)
        session, params = self._get_transport().session, {"types": ",".join(chosen)}
        async with session.get(f"{self.url}/events", params=params, timeout=timeout) as resp:
            if resp.status != 200:
                await self._get_transport().raise_for_answer(resp, "/events")
            async for frame in read_frames(resp.content):
                yield _decode_event(frame)


def _decode_event(frame: bytes) -> m.Event:
    try:
        doc = json.loads(frame)
    except (ValueError, RecursionError) as err:
        raise RpcAnswerError(f"/events: an event that is not JSON: {err}") from None
    return decode_answer(m.Event, doc, "/events")
