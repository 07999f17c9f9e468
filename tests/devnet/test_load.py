"""The devnet's load (transfers, and delegates with ``stake_every``) and its start-up wait: it
names the node that died or stayed silent, and never hangs."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.node.test_runtime import free_base_port
from zkpov.chain.operations import StakeOp, parse_operation
from zkpov.crypto import schnorr
from zkpov.devnet.load import DEVNET_FEE, Load, NodeStartError, wait_ready
from zkpov.node.ops.keys import KeyKind, SecretKeyFile
from zkpov.node.rpc.client import RpcClient


async def _wait(timeout: float, alive: bool) -> NodeStartError:
    port = free_base_port(1)  # nothing listens there
    async with aiohttp.ClientSession() as session:
        clients = [RpcClient(session, f"http://127.0.0.1:{port}")]
        with pytest.raises(NodeStartError) as caught:
            await wait_ready(clients, timeout, lambda _: alive)
    return caught.value


def test_a_node_that_exited_is_reported_at_once() -> None:
    err = asyncio.run(asyncio.wait_for(_wait(60, alive=False), 10))
    assert err.index == 0
    assert "exited" in str(err)


def test_a_silent_node_is_reported_after_the_timeout() -> None:
    err = asyncio.run(asyncio.wait_for(_wait(0.5, alive=True), 10))
    assert "did not serve /health within" in str(err)


def test_stake_every_makes_every_nth_op_of_each_account_a_delegate() -> None:
    keys = [SecretKeyFile(KeyKind.ACCOUNT, k.secret_key, k.public_key)
            for k in (schnorr.generate_keypair() for _ in range(2))]  # fmt: skip
    load = Load(keys, 8, chain_tag=3, stake_every=3, validators=4)
    made = [parse_operation(load.make()[1]) for _ in range(12)]  # nonces 1..6 of each account
    delegates = [op for op in made if isinstance(op, StakeOp)]
    assert [(op.nonce, op.target, op.amount) for op in delegates] == [
        (3, 1, 1), (3, 1, 1), (6, 2, 1), (6, 2, 1),
    ]  # fmt: skip
    assert all(op.message(3) and op.fee == DEVNET_FEE for op in delegates)
    plain = Load(keys, 8, chain_tag=3)
    assert not any(isinstance(parse_operation(plain.make()[1]), StakeOp) for _ in range(12))


def test_delegates_skip_the_attackers() -> None:
    """An attacker is slashed and then refuses delegations (a mempool drops them after
    admitting them, and its sender's later nonces stall): the load delegates to the others."""
    keys = [SecretKeyFile(KeyKind.ACCOUNT, k.secret_key, k.public_key)
            for k in (schnorr.generate_keypair() for _ in range(1))]  # fmt: skip
    load = Load(keys, 8, chain_tag=3, stake_every=1, validators=4, skip=frozenset({1}))
    made = [parse_operation(load.make()[1]) for _ in range(6)]
    assert [op.target for op in made if isinstance(op, StakeOp)] == [2, 3, 0, 2, 3, 0]
