"""Noise XX handshake and the signed hello: who may connect, and what is refused."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.network.helpers import CHAIN_ID, make_identity, run
from zkpov.crypto import bls
from zkpov.errors import DecodeError
from zkpov.network.noise import (
    HandshakeError,
    KeyFileError,
    NodeIdentity,
    NodeKey,
    PeerPolicy,
    PeerRefusedError,
    SecureStream,
    compute_hello_message,
    decode_hello,
    handshake,
)

A, B = make_identity(1), make_identity(2)
BOTH = {A.validator_pk, B.validator_pk}


async def connect(
    client: NodeIdentity, server: NodeIdentity, client_policy: PeerPolicy = BOTH.__contains__,
    server_policy: PeerPolicy = BOTH.__contains__,
) -> tuple[SecureStream | BaseException, SecureStream | BaseException]:  # fmt: skip
    accepted: asyncio.Future[SecureStream | BaseException] = asyncio.Future()

    async def on_accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            accepted.set_result(
                await handshake(reader, writer, server, server_policy, initiator=False, timeout=2)
            )
        except Exception as exc:
            accepted.set_result(exc)
            writer.close()

    server_socket = await asyncio.start_server(on_accept, "127.0.0.1", 0)
    port = server_socket.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        dialled: SecureStream | BaseException = await handshake(
            reader, writer, client, client_policy, initiator=True, timeout=2
        )
    except Exception as exc:
        dialled = exc
        writer.close()
    result = dialled, await asyncio.wait_for(accepted, 3)
    server_socket.close()
    return result


def with_hello(identity: NodeIdentity, pk: bytes, sig: bytes) -> NodeIdentity:
    forged = dataclasses.replace(identity)
    object.__setattr__(forged, "hello", msgpack.packb([1, pk, sig]))
    return forged


def test_handshake_binds_noise_keys_to_validator_keys() -> None:
    async def body() -> None:
        client, server = await connect(A, B)
        assert isinstance(client, SecureStream) and isinstance(server, SecureStream)
        assert client.peer.validator_pk == B.validator_pk
        assert client.peer.noise_static == B.node_key.public
        assert server.peer.validator_pk == A.validator_pk
        assert server.peer.noise_static == A.node_key.public
        client.write_packet(b"\x20hello")
        assert await server.read_packet(1, 1) == b"\x20hello"
        client.writer.close()
        server.writer.close()

    run(body())


def test_an_unknown_validator_key_is_refused_by_the_responder() -> None:
    stranger = make_identity(99)

    async def body() -> None:
        _, server = await connect(stranger, B, client_policy=lambda pk: True)
        assert isinstance(server, PeerRefusedError) and "not allowed" in str(server)

    run(body())


def test_an_unknown_responder_is_refused_by_the_initiator() -> None:
    stranger = make_identity(98)

    async def body() -> None:
        client, _ = await connect(A, stranger, server_policy=lambda pk: True)
        assert isinstance(client, PeerRefusedError)

    run(body())


def test_a_tampered_hello_signature_is_refused() -> None:
    pk, sig = msgpack.unpackb(A.hello)[1:]
    tampered = with_hello(A, pk, sig[:-1] + bytes([sig[-1] ^ 1]))

    async def body() -> None:
        _, server = await connect(tampered, B)
        assert isinstance(server, PeerRefusedError | DecodeError)

    run(body())


def test_a_hello_replayed_from_another_node_key_is_refused() -> None:
    """A's real hello, presented by someone holding a different Noise key, proves nothing."""
    pk, sig = msgpack.unpackb(A.hello)[1:]
    thief = with_hello(dataclasses.replace(A, node_key=NodeKey.generate()), pk, sig)

    async def body() -> None:
        _, server = await connect(thief, B)
        assert isinstance(server, PeerRefusedError) and "signature" in str(server)

    run(body())


def test_a_hello_signed_for_another_chain_is_refused() -> None:
    sk = bls.keygen(b"\x00\x00\x00\x01" * 8)
    pk = bls.sk_to_pk(sk)
    other_chain_sig = bls.sign(sk, compute_hello_message(b"other-chain", A.node_key.public))

    async def body() -> None:
        _, server = await connect(with_hello(A, pk, other_chain_sig), B)
        assert isinstance(server, PeerRefusedError)

    run(body())


def test_nodes_of_different_chains_fail_the_handshake() -> None:
    other = make_identity(1, chain_id=b"another-chain")

    async def body() -> None:
        client, server = await connect(other, B)
        assert isinstance(client, HandshakeError) or isinstance(server, HandshakeError)

    run(body())


def test_a_node_refuses_its_own_validator_key() -> None:
    twin = dataclasses.replace(A, node_key=NodeKey.generate())

    async def body() -> None:
        client, _ = await connect(twin, A)
        assert isinstance(client, PeerRefusedError) and "own" in str(client)

    run(body())


def test_node_key_is_never_printed_and_rejects_bad_material() -> None:
    key = NodeKey.generate()
    assert key.get_private_bytes().hex() not in repr(key)
    with pytest.raises(KeyFileError):
        NodeKey(b"short")


def test_chain_id_is_bounded() -> None:
    with pytest.raises(ValueError):
        NodeIdentity(b"", NodeKey.generate(), bls.keygen(b"x" * 32))
    assert CHAIN_ID in compute_hello_message(CHAIN_ID, b"k" * 32)


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=200)
    | st.builds(msgpack.packb, st.lists(st.integers(0, 2) | st.binary(max_size=100), max_size=4))
)
def test_fuzz_hello_decoding_raises_only_decode_error(payload: bytes) -> None:
    with contextlib.suppress(DecodeError):
        pk, sig = decode_hello(payload)
        assert len(pk) == 48 and len(sig) == 96
