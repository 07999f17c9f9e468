"""The node transport: a TCP listener and dialer, a table of authenticated peers, channel routing.

Usage (the node runtime owns the loop)::

    transport = Transport(identity, policy=allowlist.is_allowed, config=TransportConfig())
    transport.register(ChannelId.CONSENSUS, on_consensus_frame)   # async (conn, frame) -> None
    host, port = await transport.start("127.0.0.1", 26656)
    transport.add_persistent_peer("127.0.0.1", 26657)              # redialled with backoff
    transport.broadcast(ChannelId.CONSENSUS, body)
    await transport.close()

Handlers run inside the peer's read loop: keep them short (queue the work). A handler that
raises ``DecodeError`` disconnects that peer (its message was malformed). At most one connection
per validator key: when two nodes dial each other at once, both keep the connection dialled by
the smaller validator key. Inbound connections go through the :class:`~zkpov.network.listener.
Listener` (pending-handshake caps per address and overall, a per-address budget of signature
checks, summarised refusal logs); beyond ``max_peers`` they are refused, except the keys that
``reserved`` allows (the genesis validators), which are always admitted: with ``reserved`` set,
the peer count is checked once the peer is authenticated, else before the handshake.
``ban(pk, seconds)`` disconnects a peer and refuses it, in both directions, until the ban ends.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from zkpov.errors import ZkpovError
from zkpov.network.banlist import BanList
from zkpov.network.channels import ChannelId
from zkpov.network.codec import Frame
from zkpov.network.connection import ChannelTraffic, Connection, FrameHandler, TransportConfig
from zkpov.network.listener import Listener
from zkpov.network.noise import NodeIdentity, PeerError, PeerPolicy, SecureStream, handshake
from zkpov.network.ratelimit import compute_backoff

__all__ = ["DuplicatePeerError", "PeerListener", "PersistentPeer", "Transport"]

log = logging.getLogger("zkpov.network")
PeerListener = Callable[[Connection], None]


class DuplicatePeerError(PeerError):
    """A connection to this validator already exists and is the one both ends keep."""

    def __init__(self, validator_pk: bytes) -> None:
        super().__init__(f"already connected to validator {validator_pk.hex()[:16]}...")
        self.validator_pk = validator_pk


@dataclass
class PersistentPeer:
    host: str
    port: int
    validator_pk: bytes | None = None  # learned on the first handshake if not given
    dial_attempts: int = 0


class Transport:
    """See the module docstring. Not thread-safe: use it from its event loop only."""

    def __init__(
        self, identity: NodeIdentity, policy: PeerPolicy, config: TransportConfig | None = None,
        reserved: PeerPolicy | None = None,
    ) -> None:  # fmt: skip
        self.identity, self.policy, self.reserved = identity, policy, reserved
        self.config = config or TransportConfig()
        self._handlers: dict[ChannelId, FrameHandler] = {}
        self._peers: dict[bytes, Connection] = {}
        self._on_connected: list[PeerListener] = []
        self._on_disconnected: list[PeerListener] = []
        self._background: set[asyncio.Task[None]] = set()
        self.listener = Listener(identity, policy, self.config, self._admit_inbound, self._has_room)
        self._closing = False
        self._persistent: list[PersistentPeer] = []
        self.traffic = ChannelTraffic()  # totals over all connections, closed ones included
        self.bans = BanList()

    def register(self, channel: ChannelId, handler: FrameHandler) -> None:
        if channel not in self.config.channels or channel == ChannelId.CONTROL:
            raise ValueError(f"cannot register a handler for channel {channel!r}")
        self._handlers[channel] = handler

    def add_listeners(
        self, connected: PeerListener | None = None, disconnected: PeerListener | None = None
    ) -> None:
        if connected is not None:
            self._on_connected.append(connected)
        if disconnected is not None:
            self._on_disconnected.append(disconnected)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen on ``host:port`` (port 0 picks one); returns the bound address."""
        return await self.listener.start(host, port)

    async def dial(self, host: str, port: int, expected_pk: bytes | None = None) -> Connection:
        """Connect, handshake and admit; ``PeerError`` (or ``OSError``) if that fails."""
        timeout = self.config.handshake_timeout
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except TimeoutError as exc:
            raise PeerError(f"connect to {host}:{port} timed out") from exc
        try:
            policy = self.policy if expected_pk is None else _only(expected_pk, self.policy)
            stream = await handshake(
                reader, writer, self.identity, policy, initiator=True, timeout=timeout
            )
        except BaseException:
            writer.close()
            raise
        return self._admit(stream, outbound=True, address=(host, port))

    def add_persistent_peer(self, host: str, port: int, validator_pk: bytes | None = None) -> None:
        """Keep a connection to ``host:port``, redialling with exponential backoff."""
        peer = PersistentPeer(host, port, validator_pk)
        self._persistent.append(peer)
        self._spawn(self._keep_connected(peer))

    def get_persistent_peers(self) -> list[PersistentPeer]:
        return list(self._persistent)

    def get_peer(self, validator_pk: bytes) -> Connection | None:
        return self._peers.get(validator_pk)

    def get_peers(self) -> list[Connection]:
        return list(self._peers.values())

    def process_policy_change(self) -> int:
        """Disconnect peers the policy no longer allows (call after a validator-set change)."""
        dropped = [peer for pk, peer in self._peers.items() if not self.policy(pk)]
        for peer in dropped:
            peer.close("validator key no longer allowed")
        return len(dropped)

    def ban(self, validator_pk: bytes, seconds: float) -> None:
        """Disconnect ``validator_pk`` and refuse it for ``seconds`` (a longer ban stands)."""
        self.bans.ban(validator_pk, time.monotonic() + seconds)
        peer = self._peers.get(validator_pk)
        if peer is not None:
            peer.close(f"banned for {seconds:g} s")

    def is_banned(self, validator_pk: bytes) -> bool:
        return self.bans.is_banned(validator_pk, time.monotonic())

    def send(
        self, validator_pk: bytes, channel: ChannelId, body: bytes, request_id: int = 0
    ) -> bool:
        """Queue a frame for one peer; False if not connected or its queue is full."""
        peer = self._peers.get(validator_pk)
        return peer is not None and peer.send(channel, body, request_id)

    def broadcast(self, channel: ChannelId, body: bytes, exclude: bytes | None = None) -> int:
        """Queue a frame for every connected peer but ``exclude``; returns how many took it."""
        peers = [p for pk, p in self._peers.items() if pk != exclude]
        return sum(peer.send(channel, body) for peer in peers)

    async def close(self) -> None:
        """Stop listening and dialling, close every connection and wait for them."""
        self._closing = True
        tasks = list(self._background)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        closing_listener = asyncio.create_task(self.listener.close())
        peers = list(self._peers.values())
        for peer in peers:
            peer.close("transport shutting down")
        await asyncio.gather(*(peer.wait_closed() for peer in peers), closing_listener)

    def _has_room(self) -> bool:
        """Room for an unauthenticated inbound connection (see the module docstring)."""
        return self.reserved is not None or len(self._peers) < self.config.max_peers

    def _is_over_max_peers(self, pk: bytes) -> bool:
        is_reserved = self.reserved is not None and self.reserved(pk)
        return not is_reserved and len(self._peers) >= self.config.max_peers

    def _admit_inbound(self, stream: SecureStream, address: tuple[str, int]) -> Connection:
        return self._admit(stream, outbound=False, address=address)

    def _admit(
        self, stream: SecureStream, *, outbound: bool, address: tuple[str, int]
    ) -> Connection:
        pk = stream.peer.validator_pk
        self._check_admission(stream, outbound)
        existing = self._peers.get(pk)
        if existing is not None:
            existing.close("replaced by the preferred duplicate connection")
        conn = Connection(
            stream, self.config, outbound=outbound, address=address, dispatch=self._dispatch,
            traffic=self.traffic,
        )  # fmt: skip
        self._peers[pk] = conn
        conn.start(self._on_closed)
        for listener in self._on_connected:
            listener(conn)
        return conn

    def _check_admission(self, stream: SecureStream, outbound: bool) -> None:
        pk = stream.peer.validator_pk
        existing = self._peers.get(pk)
        is_live = existing is not None and existing.is_open()
        if is_live and existing is not None and not self._is_preferred(pk, outbound, existing):
            stream.writer.close()
            raise DuplicatePeerError(pk)
        if self._closing:
            stream.writer.close()
            raise PeerError("the transport is closing")
        if self.is_banned(pk):
            stream.writer.close()
            raise PeerError(f"validator {pk.hex()[:16]}... is banned")
        if not outbound and existing is None and self._is_over_max_peers(pk):
            stream.writer.close()
            raise PeerError("max peers reached")

    def _is_preferred(self, peer_pk: bytes, outbound: bool, existing: Connection) -> bool:
        """Both ends keep the connection dialled by the smaller validator key."""
        smaller_is_us = self.identity.validator_pk < peer_pk
        return outbound == smaller_is_us and existing.outbound != smaller_is_us

    def _on_closed(self, conn: Connection) -> None:
        if self._peers.get(conn.validator_pk) is conn:
            del self._peers[conn.validator_pk]
        for listener in self._on_disconnected:
            listener(conn)

    async def _dispatch(self, conn: Connection, frame: Frame) -> None:
        handler = self._handlers.get(frame.channel)
        if handler is not None:
            await handler(conn, frame)

    async def _keep_connected(self, peer: PersistentPeer) -> None:
        while not self._closing:
            conn = self._peers.get(peer.validator_pk) if peer.validator_pk else None
            if conn is None:
                conn = await self._try_dial(peer)
            if conn is not None:
                await conn.wait_closed()
            delay = compute_backoff(
                peer.dial_attempts, self.config.backoff_base, self.config.backoff_cap
            )
            await asyncio.sleep(delay)

    async def _try_dial(self, peer: PersistentPeer) -> Connection | None:
        peer.dial_attempts += 1
        if peer.validator_pk is not None and self.is_banned(peer.validator_pk):
            return None
        try:
            conn = await self.dial(peer.host, peer.port, peer.validator_pk)
        except DuplicatePeerError as exc:
            peer.validator_pk, peer.dial_attempts = exc.validator_pk, 0
            return self._peers.get(exc.validator_pk)
        except (ZkpovError, OSError) as exc:
            log.info(
                "dial %s:%d failed (try %d): %s", peer.host, peer.port, peer.dial_attempts, exc
            )
            return None
        except Exception:  # keep redialling even if something unexpected broke this attempt
            log.exception("dial %s:%d failed unexpectedly", peer.host, peer.port)
            return None
        peer.validator_pk, peer.dial_attempts = conn.validator_pk, 0
        return conn

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _only(expected_pk: bytes, policy: PeerPolicy) -> PeerPolicy:
    return lambda pk: pk == expected_pk and policy(pk)
