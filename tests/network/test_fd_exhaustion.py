"""A node out of descriptors (EMFILE) refuses connections for a while and lives on: the node runs
in a child process with a soft descriptor limit just above what it uses, and half-open
handshakes from many addresses take the rest."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tests.network.attackers import Stream, close_all, open_half_handshakes
from tests.network.helpers import make_identity, start_node, wait_until

NODE = """
import asyncio, os, resource
from zkpov.crypto import bls
from zkpov.network.noise import NodeIdentity, NodeKey
from zkpov.network.transport import Transport

def identity(seed):
    return NodeIdentity(b"zkpov-test", NodeKey.generate(), bls.keygen(seed.to_bytes(4, "big") * 8))

async def main():
    me, peer = identity(30), identity(31)
    allowed = {me.validator_pk, peer.validator_pk}
    transport = Transport(me, allowed.__contains__)
    _, port = await transport.start("127.0.0.1", 0)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + 6, hard))
    print(port, flush=True)
    while transport.get_peer(peer.validator_pk) is None:
        await asyncio.sleep(0.05)
    print("peer admitted", flush=True)
    await transport.close()

asyncio.run(main())
"""


async def attack_then_dial(node: subprocess.Popen[str], port: int) -> None:
    held: list[Stream] = []
    for i in range(20):  # 4 per address stay pending: 80 descriptors wanted, 6 left
        held += await open_half_handshakes(("127.0.0.1", port), 4, f"127.0.1.{i + 1}")
    await asyncio.sleep(2.0)  # the node hits EMFILE on accept and pauses accepting
    assert node.poll() is None, "the node died when it ran out of descriptors"
    close_all(held)
    peer = await start_node(make_identity(31), {make_identity(30).validator_pk})
    peer.transport.add_persistent_peer("127.0.0.1", port)  # redialled until accepted
    try:
        await wait_until(lambda: node.poll() is not None, 20)  # it exits once the peer is in
    finally:
        await peer.transport.close()


def test_running_out_of_descriptors_refuses_connections_without_killing_the_node(
    tmp_path: Path,
) -> None:
    log = tmp_path / "node.log"  # not a pipe: a full pipe would block the node's logging
    with log.open("w") as stderr:
        node = subprocess.Popen(
            [sys.executable, "-c", NODE], stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        try:
            assert node.stdout is not None
            port = int(node.stdout.readline())
            asyncio.run(attack_then_dial(node, port))
            out, _ = node.communicate(timeout=10)
        finally:
            node.kill()
    err = log.read_text()
    assert node.returncode == 0, err[-2000:]
    assert "peer admitted" in out
    assert "out of system resource" in err  # it did run out (asyncio pauses accepting)
