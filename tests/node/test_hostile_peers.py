"""Four in-process validators on loopback (proofs off) against hostile clients: /net_info tells
the truth, half-open handshakes and forged hellos do not stop the chain, idle RPC connections
up to the cap do not keep a new client out, and a restarted validator rejoins while an attacker
holds pending handshakes on every node. Timings: benches/hostile_peers.py, not asserted here.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from tests.network.attackers import (
    Stream,
    close_all,
    forge,
    is_hung_up,
    open_half_handshakes,
    send_forged_hello,
)
from tests.network.helpers import make_identity
from tests.node.test_runtime import wait_for
from tests.node.test_runtime_faults import make_nodes
from zkpov.network.connection import Connection
from zkpov.node.runtime import Node

ATTACKERS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")  # loopback hosts of their own


async def start(nodes: list[Node], stop: asyncio.Event) -> list[asyncio.Task[None]]:
    tasks = [asyncio.create_task(node.run(stop)) for node in nodes]
    await wait_for(lambda: all(len(n.transport.get_peers()) == len(nodes) - 1 for n in nodes))
    await wait_for(lambda: min(n.chain.height for n in nodes) >= 2)
    return tasks


async def get_json(node: Node, path: str) -> object:
    host, port = node.config.rpc_listen
    async with aiohttp.ClientSession() as http, http.get(f"http://{host}:{port}{path}") as resp:
        return await resp.json()


def test_net_info_reports_each_peer_as_the_transport_knows_it(tmp_path: Path) -> None:
    async def body() -> None:
        nodes, stop = make_nodes(tmp_path, 4), asyncio.Event()
        tasks = await start(nodes, stop)
        try:  # a link replaced under load may not have carried a frame yet: wait until all did
            await wait_for(lambda: all(has_traffic(c) for c in nodes[0].transport.get_peers()))
            check_net_info(nodes, await get_json(nodes[0], "/net_info"))
        finally:
            stop.set()
            await asyncio.gather(*tasks)

    asyncio.run(body())


def has_traffic(conn: Connection) -> bool:
    return conn.stats.bytes_in > 0 and conn.stats.bytes_out > 0


def check_net_info(nodes: list[Node], info: object) -> None:
    assert isinstance(info, dict) and info["n_peers"] == 3
    host, port = nodes[0].config.p2p_listen
    assert info["listen_address"] == f"{host}:{port}"
    by_index = {peer["validator_index"]: peer for peer in info["peers"]}
    assert sorted(by_index) == [1, 2, 3]
    for i in (1, 2, 3):
        peer, other = by_index[i], nodes[i]
        assert peer["node_id"] == other.transport.identity.node_key.public.hex()
        assert peer["validator_pubkey"] == other.validator.public.hex()
        assert peer["bytes_received"] > 0 and peer["bytes_sent"] > 0
        peer_host, peer_port = peer["address"].rsplit(":", 1)
        assert peer_host == "127.0.0.1"
        if peer["outbound"]:  # dialled: the peer's listening port
            assert int(peer_port) == other.config.p2p_listen[1]
        else:  # the peer dialled node 0, and says so
            assert int(peer_port) != other.config.p2p_listen[1]
        mirror = other.transport.get_peer(nodes[0].validator.public)
        assert mirror is not None and mirror.outbound is not peer["outbound"]


async def flood_forged_hellos(node: Node, seconds: float) -> int:
    """Full handshakes claiming validator 1's key with another key's signature, from every
    attacker address in turn, for ``seconds``; returns how many were sent."""
    forged = forge(make_identity(77, node.genesis.chain_id.encode()), node.pubkeys[1])
    loop, sent = asyncio.get_running_loop(), 0
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        await send_forged_hello(node.config.p2p_listen, forged, ATTACKERS[sent % len(ATTACKERS)])
        sent += 1
    return sent


async def open_idle_rpc(node: Node, count: int) -> list[Stream]:
    host, port = node.config.rpc_listen
    return [
        await asyncio.open_connection(host, port, local_addr=(ATTACKERS[0], 0))
        for _ in range(count)
    ]


def test_the_chain_goes_on_under_slowloris_handshake_and_rpc_floods(tmp_path: Path) -> None:
    async def body() -> None:
        nodes, stop = make_nodes(tmp_path, 4), asyncio.Event()
        tasks = await start(nodes, stop)
        victim = nodes[0]
        before = [n.chain.height for n in nodes]
        held: list[Stream] = []
        for source in ATTACKERS:
            held += await open_half_handshakes(victim.config.p2p_listen, 100, source)
        held += await open_idle_rpc(victim, 300)  # 256 stay open: the cap
        try:
            sent = await flood_forged_hellos(victim, 3.0)
            await wait_for(lambda: min(n.chain.height for n in nodes) >= max(before) + 5, 30)
            assert len(victim.transport.get_peers()) == 3
            assert len(victim.transport.listener.pending) <= 64
            status = await get_json(victim, "/status")  # a new client closes the oldest
            close_all(held)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
        assert sent > 10 and isinstance(status, dict)
        assert status["sync_info"]["latest_block_height"] > max(before)

    asyncio.run(body())


async def hold_one(address: tuple[str, int], source: str, stop: asyncio.Event) -> None:
    """One connection that never finishes a handshake, reopened whenever the node drops it."""
    while not stop.is_set():
        held = await open_half_handshakes(address, 1, source)
        if not held:
            await asyncio.sleep(0.05)  # the port is not listening (the node is down)
            continue
        closed = asyncio.create_task(is_hung_up(held[0][0]))
        await asyncio.wait(
            [closed, asyncio.create_task(stop.wait())], return_when="FIRST_COMPLETED"
        )
        close_all(held)
        closed.cancel()


async def hold_pending_handshakes(nodes: list[Node], stop: asyncio.Event) -> None:
    """Keeps 8 half-open handshakes per attacker address open on every node's P2P port."""
    holders = [
        hold_one(node.config.p2p_listen, source, stop)
        for node in nodes for source in ATTACKERS for _ in range(8)
    ]  # fmt: skip
    await asyncio.gather(*holders)


def test_a_restarted_validator_rejoins_while_an_attacker_holds_pending_handshakes(
    tmp_path: Path,
) -> None:
    async def body() -> None:
        nodes, stop, crash = make_nodes(tmp_path, 4), asyncio.Event(), asyncio.Event()
        tasks = [asyncio.create_task(n.run(crash if i == 3 else stop)) for i, n in enumerate(nodes)]
        await wait_for(lambda: min(n.chain.height for n in nodes) >= 2)
        crash.set()
        await tasks[3]
        attack_over = asyncio.Event()
        attack = asyncio.create_task(hold_pending_handshakes(nodes, attack_over))
        await asyncio.sleep(1.0)  # the attacker holds the slots before the validator is back
        nodes[3] = again = Node(nodes[3].config)
        tasks[3] = asyncio.create_task(again.run(stop))
        await wait_for(lambda: len(again.transport.get_peers()) == 3, 20)
        await wait_for(lambda: again.chain.height >= nodes[0].chain.height - 1 > 2, 20)
        attack_over.set()
        await attack
        stop.set()
        await asyncio.gather(*tasks)

    asyncio.run(body())
