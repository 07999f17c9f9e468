"""Transfers from RPC clients, admitted together once per event-loop turn.

``broadcast_tx`` requests that arrive within one turn of the event loop wait in a queue (no
timer) and go to the mempool together at the turn's end (``TxGossip.admit_from_clients``:
``Mempool.add_many``, one batched signature check; each admitted one sent to peers). Each
request gets its own ``AddResult``: the same answer, in arrival order, that ``Mempool.add``
one at a time would give. The queue holds at most ``MAX_QUEUED_CLIENT_TXS``; a request beyond
that is refused with :class:`~zkpov.errors.ClientQueueFullError` before anything is queued.
A client that disconnects while waiting does not withdraw its transfer: it is admitted anyway.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from zkpov.errors import ClientQueueFullError
from zkpov.node.consensus_io.tx_gossip import TxGossip
from zkpov.node.state.mempool import AddResult

__all__ = ["MAX_QUEUED_CLIENT_TXS", "ClientTxQueue"]

MAX_QUEUED_CLIENT_TXS = 1024  # clients' transfers waiting for one turn's batch

_Waiting = tuple[bytes, "asyncio.Future[AddResult]"]


@dataclass
class ClientTxQueue:
    gossip: TxGossip
    _queue: list[_Waiting] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self._queue)

    async def submit(self, tx: bytes) -> AddResult:
        """The mempool's answer to ``tx``, admitted with the other transfers of this turn."""
        if len(self._queue) >= MAX_QUEUED_CLIENT_TXS:
            raise ClientQueueFullError(
                f"{MAX_QUEUED_CLIENT_TXS} client transfers already wait for admission; retry"
            )
        loop = asyncio.get_running_loop()
        if not self._queue:
            loop.call_soon(self.flush)
        future: asyncio.Future[AddResult] = loop.create_future()
        self._queue.append((tx, future))
        return await future

    def flush(self) -> None:
        """Admits every queued transfer together and answers each waiting request."""
        queued, self._queue = self._queue, []
        try:
            results = self.gossip.admit_from_clients([tx for tx, _ in queued])
        except Exception as exc:  # no request may wait forever on a failed batch
            _fail(queued, exc)
            raise
        for (_, future), result in zip(queued, results, strict=True):
            if not future.done():  # a cancelled request (the client left) needs no answer
                future.set_result(result)


def _fail(queued: list[_Waiting], exc: Exception) -> None:
    for _, future in queued:
        if not future.done():
            future.set_exception(exc)
