"""Request/response over one channel (block sync): request ids, timeouts, bounded serving.

``RequestChannel(transport, ChannelId.BLOCK_SYNC, serve)`` registers itself for the channel.
``await channel.request(peer_pk, body, timeout)`` returns the response body, or raises
:class:`RequestTimeoutError` / ``PeerError`` (not connected, disconnected while waiting).
Requests carry a fresh non-zero 31-bit id; the response carries the same id with
``RESPONSE_FLAG`` set. ``serve(body, peer_pk)`` answers a request (``DecodeError`` if the request
is malformed: the requester is disconnected). Per peer, at most ``max_serving`` requests are
served at once and ``max_queued`` wait; further ones are dropped (the requester times out). A
response that
matches no pending request (late, or never asked for) is dropped and counted.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable

from zkpov.errors import DecodeError
from zkpov.network.channels import ChannelId
from zkpov.network.codec import RESPONSE_FLAG, Frame
from zkpov.network.connection import Connection
from zkpov.network.noise import PeerError
from zkpov.network.transport import Transport

__all__ = ["RequestChannel", "RequestTimeoutError", "Server"]

log = logging.getLogger("zkpov.network")
Server = Callable[[bytes, bytes], Awaitable[bytes]]


class RequestTimeoutError(PeerError):
    """No response arrived in time."""


class RequestChannel:
    def __init__(
        self, transport: Transport, channel: ChannelId, serve: Server | None = None,
        max_serving: int = 4, max_queued: int = 32,
    ) -> None:  # fmt: skip
        self.transport, self.channel = transport, channel
        self._serve, self._max_serving, self._max_queued = serve, max_serving, max_queued
        self._ids = itertools.count(1)
        self._pending: dict[tuple[bytes, int], asyncio.Future[bytes]] = {}
        self._serving: dict[bytes, int] = {}  # requests accepted and not yet answered, per peer
        self._slots: dict[bytes, asyncio.Semaphore] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.unmatched = self.refused = 0
        transport.register(channel, self.on_frame)
        transport.add_listeners(disconnected=self._on_disconnected)

    async def request(self, peer_pk: bytes, body: bytes, timeout: float) -> bytes:
        request_id = (next(self._ids) - 1) % (RESPONSE_FLAG - 1) + 1  # 1 .. 2**31 - 1
        key = (peer_pk, request_id)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            if not self.transport.send(peer_pk, self.channel, body, request_id):
                raise PeerError("peer is not connected or its send queue is full")
            return await asyncio.wait_for(future, timeout)
        except TimeoutError as exc:
            raise RequestTimeoutError(f"no response within {timeout} s") from exc
        finally:
            self._pending.pop(key, None)

    async def on_frame(self, conn: Connection, frame: Frame) -> None:
        if frame.request_id & RESPONSE_FLAG:
            self._on_response(conn.validator_pk, frame)
        elif frame.request_id == 0:
            raise DecodeError("a sync request needs a non-zero request id")
        else:
            self._on_request(conn, frame)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _on_response(self, peer_pk: bytes, frame: Frame) -> None:
        future = self._pending.get((peer_pk, frame.request_id & ~RESPONSE_FLAG))
        if future is None or future.done():
            self.unmatched += 1
            return
        future.set_result(frame.body)

    def _on_request(self, conn: Connection, frame: Frame) -> None:
        pk = conn.validator_pk
        if self._serve is None or self._serving.get(pk, 0) >= self._max_serving + self._max_queued:
            self.refused += 1
            return
        self._serving[pk] = self._serving.get(pk, 0) + 1
        task = asyncio.get_running_loop().create_task(self._answer(self._serve, conn, frame))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, serve: Server, conn: Connection, frame: Frame) -> None:
        slots = self._slots.setdefault(conn.validator_pk, asyncio.Semaphore(self._max_serving))
        try:
            async with slots:
                response = await serve(frame.body, conn.validator_pk)
            conn.send(self.channel, response, frame.request_id | RESPONSE_FLAG)
        except DecodeError as exc:
            conn.close(f"protocol violation: bad {self.channel.name} request: {exc}")
        except Exception:
            log.exception("serving a %s request from %r failed", self.channel.name, conn)
        finally:
            if conn.validator_pk in self._serving:
                self._serving[conn.validator_pk] -= 1

    def _on_disconnected(self, conn: Connection) -> None:
        self._serving.pop(conn.validator_pk, None)
        self._slots.pop(conn.validator_pk, None)
        for (pk, _), future in list(self._pending.items()):
            if pk == conn.validator_pk and not future.done():
                future.set_exception(PeerError(f"peer disconnected: {conn.close_reason}"))
