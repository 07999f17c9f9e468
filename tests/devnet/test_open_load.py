"""The saturation bench's open-loop generator against a scripted node: pacing, nonces kept in
order through refusals, the per-sender cap, and offered transfers it could not send."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any, cast

from zkpov.chain.state import Transfer
from zkpov.devnet.open_load import OpenLoad, make_senders
from zkpov.node.ops.keys import KeyKind, SecretKeyFile, generate_secret, get_public_key
from zkpov.node.rpc.client import RpcClient
from zkpov.node.state.mempool import DEFAULT_MAX_PER_SENDER


class ScriptedNode:
    """Answers ``broadcast_tx`` with the next scripted reason (accepted when none is left)."""

    def __init__(self, refusals: list[str] | None = None) -> None:
        self.refusals = list(refusals or [])
        self.nonces: list[int] = []

    async def broadcast_tx(self, tx: bytes) -> dict[str, Any]:
        self.nonces.append(Transfer.from_bytes(tx).nonce)
        if self.refusals:
            return {"accepted": False, "reason": self.refusals.pop(0)}
        return {"accepted": True}


def _keys(count: int) -> list[SecretKeyFile]:
    secrets = [generate_secret(KeyKind.ACCOUNT) for _ in range(count)]
    return [SecretKeyFile(KeyKind.ACCOUNT, s, get_public_key(KeyKind.ACCOUNT, s)) for s in secrets]


def _load(node: ScriptedNode, senders: int, **kw: Any) -> OpenLoad:
    clients = [cast(RpcClient, node)]
    return OpenLoad(make_senders(_keys(senders), 8, 1), clients, chain_tag=7, **kw)


async def _offer(load: OpenLoad, rate: float, seconds: float) -> None:
    await load.offer(rate, seconds)
    await load.close()


def test_it_offers_the_rate_it_is_given() -> None:
    node = ScriptedNode()
    load = _load(node, 64)
    asyncio.run(_offer(load, 200, 0.5))
    assert 80 <= load.counts.offered <= 100
    assert load.counts.sent == load.counts.accepted == load.counts.offered
    assert load.counts.unsent == 0


def test_a_refused_transfer_frees_its_nonce_for_the_next_one() -> None:
    node = ScriptedNode(["mempool_full"])
    load = _load(node, 1)
    asyncio.run(_offer(load, 100, 0.1))
    assert node.nonces[:3] == [1, 1, 2]
    assert load.counts.refused == {"mempool_full": 1}


def test_a_lost_nonce_retires_the_sender() -> None:
    node = ScriptedNode(["nonce_gap"])
    load = _load(node, 1)
    asyncio.run(_offer(load, 100, 0.1))
    assert node.nonces == [1]
    assert load.counts.retired_senders == 1
    assert load.counts.unsent == load.counts.offered - 1


def test_a_sender_at_the_mempool_cap_waits_for_a_commit() -> None:
    node = ScriptedNode()
    load = _load(node, 1)
    asyncio.run(_offer(load, 200, 1.0))  # one request at a time: one a pacer tick at most
    assert load.counts.accepted == DEFAULT_MAX_PER_SENDER
    assert load.counts.unsent == load.counts.offered - DEFAULT_MAX_PER_SENDER
    first = next(h for h, s in load.submitted.items() if s.sender == 0)
    assert load.on_committed(first) is not None
    assert load.on_committed(hashlib.sha256(b"not ours").digest()) is None
    asyncio.run(_offer(load, 100, 0.2))
    assert node.nonces[-1] == DEFAULT_MAX_PER_SENDER + 1


def test_requests_beyond_the_outstanding_cap_are_counted_unsent() -> None:
    class SlowNode(ScriptedNode):
        async def broadcast_tx(self, tx: bytes) -> dict[str, Any]:
            await asyncio.sleep(0.3)
            return await super().broadcast_tx(tx)

    load = _load(SlowNode(), 32, max_outstanding=4)
    asyncio.run(_offer(load, 200, 0.2))
    assert load.counts.sent == 4
    assert load.counts.unsent == load.counts.offered - 4
