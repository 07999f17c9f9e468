"""Noise XX over asyncio streams, with a signed hello binding the node key to a validator key.

``Noise_XX_25519_ChaChaPoly_SHA256``; the Noise static key is the node key (:class:`NodeKey`).
The prologue holds the chain id, so nodes of different chains fail the handshake. The handshake
payloads carry the hellos, encrypted (as libp2p-noise does): the responder's in message 2, the
initiator's in message 3. A hello is ``msgpack([1, validator_pk, signature])`` where the BLS
signature covers :func:`compute_hello_message` ``(chain id, sender's Noise static key)``; only the
holder of that Noise key can complete the handshake, so a replayed hello proves nothing.

Each side refuses (:class:`PeerRefusedError`) a validator key that its policy does not allow
before it spends a pairing on the signature, then refuses a bad signature. On the wire every
Noise message is ``length (u16 BE) | ciphertext``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgpack
from noise.connection import Keypair, NoiseConnection

from zkpov.constants import BLS_PUBKEY_LENGTH, BLS_SIGNATURE_LENGTH
from zkpov.crypto import bls
from zkpov.errors import DecodeError, ZkpovError

__all__ = [
    "NOISE_PROTOCOL",
    "HandshakeError",
    "HandshakeRateError",
    "IdentityError",
    "IdleTimeoutError",
    "KeyFileError",
    "NodeIdentity",
    "NodeKey",
    "PeerError",
    "PeerIdentity",
    "PeerPolicy",
    "PeerRefusedError",
    "SecureStream",
    "VerifyGate",
    "compute_hello_message",
    "handshake",
]

NOISE_PROTOCOL = b"Noise_XX_25519_ChaChaPoly_SHA256"
_HELLO_DOMAIN = b"ZKPOV/NOISE-HELLO/v1"
_PROLOGUE = b"zkpov/noise/v1/"
_MAX_NOISE_MESSAGE = 65535
_HELLO_VERSION = 1

PeerPolicy = Callable[[bytes], bool]  # is this validator public key allowed to connect?
VerifyGate = Callable[[], bool]  # may the node spend a signature check on this handshake now?


class PeerError(ZkpovError):
    """A peer connection failed or the peer misbehaved."""


class HandshakeError(PeerError):
    """The Noise handshake or the hello did not complete."""


class PeerRefusedError(HandshakeError):
    """The peer's validator key is not allowed, its hello signature is bad, or it is ourselves."""


class HandshakeRateError(PeerRefusedError):
    """Too many handshakes from the peer's address: its hello was not checked."""


class KeyFileError(ZkpovError):
    """A key file is missing, malformed or readable by others."""


class IdentityError(ZkpovError, ValueError):
    """A node identity cannot be built from these values."""


class NodeKey:
    """The X25519 node key (the Noise static key). Never printed or logged; files holding it
    are :mod:`zkpov.node.ops.keys`'s business (``KeyKind.NODE``, mode 0600)."""

    __slots__ = ("_private", "public")

    def __init__(self, private: bytes) -> None:
        if not isinstance(private, bytes) or len(private) != 32:
            raise KeyFileError("a node key is 32 bytes")
        self._private = private
        self.public = _derive_public(private)

    @classmethod
    def generate(cls) -> NodeKey:
        return cls(os.urandom(32))

    def get_private_bytes(self) -> bytes:
        return self._private

    def __repr__(self) -> str:
        return f"NodeKey(public={self.public.hex()[:16]}...)"


def _derive_public(private: bytes) -> bytes:
    connection = NoiseConnection.from_name(NOISE_PROTOCOL)
    connection.set_keypair_from_private_bytes(Keypair.STATIC, private)
    return bytes(connection.noise_protocol.keypairs["s"].public_bytes)


def compute_hello_message(chain_id: bytes, noise_static: bytes) -> bytes:
    """What a validator key signs to vouch for a Noise static key on one chain."""
    return _HELLO_DOMAIN + len(chain_id).to_bytes(2, "big") + chain_id + noise_static


@dataclass(frozen=True)
class NodeIdentity:
    """This node: chain id, node key, validator secret key; the hello is signed once."""

    chain_id: bytes
    node_key: NodeKey
    validator_sk: bytes = field(repr=False)
    validator_pk: bytes = field(init=False)
    hello: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.chain_id, bytes) or not 0 < len(self.chain_id) <= 64:
            raise IdentityError("chain id must be 1..64 bytes")
        pk = bls.sk_to_pk(self.validator_sk)
        sig = bls.sign(
            self.validator_sk, compute_hello_message(self.chain_id, self.node_key.public)
        )
        object.__setattr__(self, "validator_pk", pk)
        object.__setattr__(self, "hello", msgpack.packb([_HELLO_VERSION, pk, sig]))


@dataclass(frozen=True)
class PeerIdentity:
    validator_pk: bytes
    noise_static: bytes


def decode_hello(payload: bytes) -> tuple[bytes, bytes]:
    """``(validator_pk, signature)``; ``DecodeError`` if the hello is malformed."""
    try:
        obj = msgpack.unpackb(payload, raw=False, max_bin_len=128, max_array_len=3)
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise DecodeError(f"hello is not msgpack: {exc}") from exc
    if not isinstance(obj, list) or len(obj) != 3 or obj[0] != _HELLO_VERSION:
        raise DecodeError("hello must be [1, validator_pk, signature]")
    pk, sig = obj[1], obj[2]
    if not isinstance(pk, bytes) or len(pk) != BLS_PUBKEY_LENGTH:
        raise DecodeError("hello validator key must be 48 bytes")
    if not isinstance(sig, bytes) or len(sig) != BLS_SIGNATURE_LENGTH:
        raise DecodeError("hello signature must be 96 bytes")
    return pk, sig


def check_hello(
    identity: NodeIdentity, policy: PeerPolicy, payload: bytes, noise_static: bytes,
    may_verify: VerifyGate | None = None,
) -> PeerIdentity:  # fmt: skip
    """The peer's identity; cheap checks first, ``may_verify`` just before the BLS check."""
    pk, sig = decode_hello(payload)
    if pk == identity.validator_pk:
        raise PeerRefusedError("the peer is this node's own validator key")
    if not policy(pk):
        raise PeerRefusedError(f"validator key {pk.hex()[:16]}... is not allowed")
    if may_verify is not None and not may_verify():
        raise HandshakeRateError("too many handshakes from this address; try again later")
    if not bls.verify(pk, compute_hello_message(identity.chain_id, noise_static), sig):
        raise PeerRefusedError("hello signature does not verify")
    return PeerIdentity(pk, noise_static)


class SecureStream:
    """An established Noise session: whole packets in, whole packets out."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
        noise: NoiseConnection, peer: PeerIdentity,
    ) -> None:  # fmt: skip
        self.reader, self.writer, self.peer = reader, writer, peer
        self._noise = noise

    async def read_packet(self, idle_timeout: float, read_timeout: float) -> bytes:
        """The next message: its length within ``idle_timeout``, the rest in ``read_timeout``."""
        ciphertext = await read_message(self.reader, idle_timeout, read_timeout)
        try:
            return bytes(self._noise.decrypt(ciphertext))
        except Exception as exc:  # noise and cryptography raise assorted types
            raise DecodeError("a transport message does not decrypt") from exc

    def write_packet(self, payload: bytes) -> None:
        write_message(self.writer, self._noise.encrypt(payload))


class IdleTimeoutError(TimeoutError):
    """No message began within the idle budget."""


async def read_message(reader: asyncio.StreamReader, idle: float, timeout: float) -> bytes:
    """One ``u16 length | body`` message: the length within ``idle`` seconds, the body within
    ``timeout`` seconds more (an absolute deadline, so trickled bytes do not extend it)."""
    try:
        async with asyncio.timeout(idle):
            header = await reader.readexactly(2)
    except TimeoutError as exc:
        raise IdleTimeoutError("no message within the idle timeout") from exc
    length = int.from_bytes(header, "big")
    if length == 0:
        raise DecodeError("empty Noise message")
    try:
        async with asyncio.timeout(timeout):
            return await reader.readexactly(length)
    except TimeoutError as exc:
        raise TimeoutError("a message body did not arrive within read_timeout") from exc


def write_message(writer: asyncio.StreamWriter, ciphertext: bytes) -> None:
    if len(ciphertext) > _MAX_NOISE_MESSAGE:
        raise ValueError("Noise message too long")
    writer.write(len(ciphertext).to_bytes(2, "big") + ciphertext)


async def handshake(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, identity: NodeIdentity,
    policy: PeerPolicy, *, initiator: bool, timeout: float, may_verify: VerifyGate | None = None,
) -> SecureStream:  # fmt: skip
    """Run Noise XX and the hello exchange within ``timeout`` seconds; the responder asks
    ``may_verify`` before it checks the initiator's hello signature."""
    noise = _new_connection(identity, initiator)
    if initiator:
        step = _initiate(reader, writer, noise, identity, policy)
    else:
        step = _respond(reader, writer, noise, identity, policy, may_verify)
    try:
        peer = await asyncio.wait_for(step, timeout)
    except (TimeoutError, asyncio.IncompleteReadError, ConnectionError) as exc:
        raise HandshakeError(f"handshake did not complete: {type(exc).__name__}") from exc
    return SecureStream(reader, writer, noise, peer)


def _new_connection(identity: NodeIdentity, initiator: bool) -> NoiseConnection:
    noise = NoiseConnection.from_name(NOISE_PROTOCOL)
    if initiator:
        noise.set_as_initiator()
    else:
        noise.set_as_responder()
    noise.set_keypair_from_private_bytes(Keypair.STATIC, identity.node_key.get_private_bytes())
    noise.set_prologue(_PROLOGUE + identity.chain_id)
    noise.start_handshake()
    return noise


async def _initiate(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, noise: NoiseConnection,
    identity: NodeIdentity, policy: PeerPolicy,
) -> PeerIdentity:  # fmt: skip
    write_message(writer, noise.write_message())
    await writer.drain()
    state = noise.noise_protocol.handshake_state
    payload = _read_handshake(noise, await read_message(reader, 1e9, 1e9))
    peer = check_hello(identity, policy, payload, _remote_static(state))
    write_message(writer, noise.write_message(identity.hello))
    await writer.drain()
    return peer


async def _respond(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, noise: NoiseConnection,
    identity: NodeIdentity, policy: PeerPolicy, may_verify: VerifyGate | None,
) -> PeerIdentity:  # fmt: skip
    _read_handshake(noise, await read_message(reader, 1e9, 1e9))
    write_message(writer, noise.write_message(identity.hello))
    await writer.drain()
    state = noise.noise_protocol.handshake_state  # dropped by noise once the handshake ends
    payload = _read_handshake(noise, await read_message(reader, 1e9, 1e9))
    return check_hello(identity, policy, payload, _remote_static(state), may_verify)


def _read_handshake(noise: NoiseConnection, message: bytes) -> bytes:
    try:
        return bytes(noise.read_message(message))
    except Exception as exc:  # noise raises assorted types on a bad message
        raise HandshakeError(f"bad handshake message: {type(exc).__name__}") from exc


def _remote_static(state: Any) -> bytes:
    return bytes(state.rs.public_bytes)
