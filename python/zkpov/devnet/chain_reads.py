"""What a devnet run reads back from its nodes' chains at the end: whether they agree block for
block, how many transfer-carrying blocks have a proof, and latency percentiles."""

from __future__ import annotations

import statistics

from zkpov.devnet.load import Tracker
from zkpov.node.rpc.client import RpcClient

__all__ = ["check_agreement", "compute_percentiles", "count_proofs"]


def compute_percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {"p50": round(statistics.median(ordered), 3), "p99": round(p99, 3)}


async def check_agreement(clients: list[RpcClient], height: int) -> bool:
    for h in range(1, height + 1):
        ids = {(await c.get("/block", height=h) or {}).get("block_id") for c in clients}
        if len(ids) != 1 or None in ids:
            return False
    return True


async def count_proofs(client: RpcClient, tracker: Tracker, height: int) -> int:
    heights = [h for h in range(1, height + 1) if tracker.tx_heights.get(h)]
    found = [await client.get("/light/proof", height=h) for h in heights]
    return sum(1 for record in found if record is not None)
