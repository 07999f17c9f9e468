"""The inbound side of the transport: accept, bound the pending handshakes, authenticate, admit.

Each accepted socket takes a slot in :class:`~zkpov.network.admission.SourceSlots` (a
newcomer evicts the oldest pending handshake of its address, or of the heaviest address when
the table is full), runs the Noise handshake within ``handshake_timeout`` and, before the
hello's BLS check, takes a token from its address's :class:`VerifyBudget`. Refusals are counted
by reason and logged as one summary line per ``refusal_log_interval``. Outbound dials never use
these slots, so a node whose inbound side is flooded still reaches its persistent peers.

Running out of descriptors (EMFILE) at ``accept`` is handled by asyncio's server, which pauses
accepting for a second and retries; nothing here allocates a descriptor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from zkpov.errors import ZkpovError
from zkpov.network.admission import RefusalLog, SourceSlots, VerifyBudget
from zkpov.network.connection import TransportConfig
from zkpov.network.noise import NodeIdentity, PeerPolicy, SecureStream, handshake

__all__ = ["Admit", "Listener", "get_source"]

log = logging.getLogger("zkpov.network")
Admit = Callable[[SecureStream, tuple[str, int]], object]  # raises ZkpovError to refuse


def get_source(writer: asyncio.StreamWriter) -> tuple[str, int] | None:
    """The peer's ``(host, port)``; None if the socket is already gone."""
    peer = writer.get_extra_info("peername")
    if not isinstance(peer, tuple) or len(peer) < 2:
        return None
    return str(peer[0]), int(peer[1])


class Listener:
    """Serves inbound connections on one address; ``admit`` takes each authenticated stream."""

    def __init__(
        self, identity: NodeIdentity, policy: PeerPolicy, config: TransportConfig,
        admit: Admit, has_room: Callable[[], bool],
    ) -> None:  # fmt: skip
        self.identity, self.policy, self.config = identity, policy, config
        self._admit, self._has_room = admit, has_room
        self.pending: SourceSlots[asyncio.StreamWriter] = SourceSlots(
            config.max_pending_per_source, config.max_pending_handshakes
        )
        self.verify_budget = VerifyBudget(config.verify_per_s, config.verify_burst)
        self.refusals = RefusalLog(config.refusal_log_interval)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None
        self.closing = False

    async def start(self, host: str, port: int) -> tuple[str, int]:
        self._server = await asyncio.start_server(self._on_accept, host, port)
        address = self._server.sockets[0].getsockname()
        return str(address[0]), int(address[1])

    async def close(self) -> None:
        """Stop listening and end the pending handshakes (their sockets are closed)."""
        self.closing = True
        if self._server is not None:
            self._server.close()
        for writer in self.pending.get_all():
            writer.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._log_line(self.refusals.flush(time.monotonic()))
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), self.config.close_timeout)

    def on_refused(self, reason: str) -> None:
        self._log_line(self.refusals.on_refused(reason, time.monotonic()))

    def _log_line(self, line: str | None) -> None:
        if line is not None:
            log.info("%s", line)

    async def _on_accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task, source = asyncio.current_task(), get_source(writer)
        refusal = self._check_room()
        if refusal is not None or task is None or source is None:
            self.on_refused(refusal or "no peer address")
            writer.close()
            return
        self._take_slot(source[0], writer, task)
        admitted = False
        try:
            admitted = await self._authenticate(reader, writer, source)
        finally:
            self._tasks.discard(task)
            self.pending.discard(source[0], writer)
            if not admitted:  # refused, failed, evicted or cancelled by close()
                writer.close()

    def _check_room(self) -> str | None:
        if self.closing:
            return "closing"
        return None if self._has_room() else "max peers"

    def _take_slot(self, host: str, writer: asyncio.StreamWriter, task: asyncio.Task[Any]) -> None:
        """Evicted handshakes lose their socket (cancelling the accept task would make asyncio
        log an error), so they fail at their next read."""
        self._tasks.add(task)
        for evicted in self.pending.add(host, writer):
            self.on_refused("evicted")
            evicted.close()

    async def _authenticate(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, source: tuple[str, int]
    ) -> bool:
        host = source[0]
        try:
            stream = await handshake(
                reader, writer, self.identity, self.policy, initiator=False,
                timeout=self.config.handshake_timeout,
                may_verify=lambda: self.verify_budget.try_take(host, time.monotonic()),
            )  # fmt: skip
            self._admit(stream, source)
        except (ZkpovError, OSError) as exc:
            log.debug("inbound handshake from %s refused: %s", host, exc)
            self.on_refused(type(exc).__name__)
            return False
        except Exception:  # a bug must not leak the socket or reach the event loop
            log.exception("inbound handshake failed")
            return False
        return True
