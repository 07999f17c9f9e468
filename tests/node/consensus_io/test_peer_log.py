"""zkpov.node.consensus_io.peer_log over two real transports on loopback."""

from __future__ import annotations

import asyncio
import logging

import pytest

from zkpov.crypto import bls
from zkpov.node.consensus_io.peer_log import PeerLog
from zkpov.node.consensus_io.reactor import build_transport
from zkpov.node.ops.keys import KeyKind, generate_secret


async def _connect_then_close(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    secrets = [bls.generate_secret_key() for _ in range(2)]
    pubkeys = [bls.sk_to_pk(s) for s in secrets]
    a, b = (build_transport("t", generate_secret(KeyKind.NODE), s, pubkeys) for s in secrets)
    PeerLog(pubkeys).attach(b)
    host, port = await b.start("127.0.0.1", 0)
    await a.dial(host, port, pubkeys[1])
    for _ in range(100):
        if any("connected" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.02)
    await a.close()
    for _ in range(100):
        if any("disconnected" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.02)
    await b.close()
    return list(caplog.records)


def test_a_peer_is_logged_by_index_when_it_connects_and_leaves(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="zkpov.node.consensus_io.peer_log"):
        records = asyncio.run(_connect_then_close(caplog))
    # only this logger's: another test may have left zkpov.network's own INFO lines enabled
    records = [r for r in records if r.name == "zkpov.node.consensus_io.peer_log"]
    messages = [r.getMessage() for r in records]
    assert messages[0].startswith("peer 0 connected (inbound, 127.0.0.1:")
    assert messages[1].startswith("peer 0 disconnected: ")
    assert records[0].__dict__["peer"] == 0 and records[1].__dict__["direction"] == "inbound"
