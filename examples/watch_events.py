"""Subscribe to a node's events: the ``/events`` stream (server-sent events) of a live node.

Starts a real one-validator node (see ``local_node.py``), then reads its event stream until it
has seen a block become final and a block proven by a Groth16 proof. The kinds are
``new_block`` (a block certified on the chain of the highest QC), ``finalized`` (committed:
it can no longer be reverted) and ``proven_final`` (a validity proof for it was verified).

    python examples/watch_events.py
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from local_node import run_local_node

WANTED = {"new_block", "finalized", "proven_final"}


async def read_events(url: str) -> AsyncIterator[dict[str, Any]]:
    """Each event of ``GET /events`` as a dict: the JSON of its ``data:`` line."""
    timeout = aiohttp.ClientTimeout(total=None, sock_read=30)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(f"{url}/events") as response,
    ):
        async for line in response.content:
            if line.startswith(b"data:"):
                yield json.loads(line[5:])


async def main() -> None:
    async with run_local_node() as node:
        print(f"node RPC at {node.url}; subscribing to {node.url}/events")
        seen: set[str] = set()
        async for event in read_events(node.url):
            kind, block = str(event["type"]), str(event["block_id"])[:16]
            print(f"{kind:>12}: height {event['height']} round {event['round']} block {block}")
            seen.add(kind)
            if seen >= WANTED:
                break
        print(f"saw every kind we waited for: {sorted(WANTED)}")


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(), timeout=300))
