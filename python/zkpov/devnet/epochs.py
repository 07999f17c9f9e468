"""What the devnet's nodes say about epochs at the end of a run: how many epoch changes every
node has seen, and how the set changed at each (``/validators?epoch=``), checked alike on all.

A validator is named by its registry index (its place in the staking ledger's validator list,
``/v1/staking/validator?index=``): the genesis validators 0..V-1 in genesis order, then each
validator that joined by transaction (``--join``), in the order its join committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zkpov.node.rpc.client import RpcClient

__all__ = ["MAX_PER_PAGE", "EpochSummary", "get_registry", "read_epochs"]

MAX_PER_PAGE = 100  # the devnet has at most 16 genesis validators and 16 joiners


@dataclass
class EpochSummary:
    epochs: int = 0  # epoch changes every node has seen
    validator_set_changes: list[dict[str, Any]] = field(default_factory=list)
    agree: bool = True  # every node reports the same set for each of those epochs


async def _get_set(client: RpcClient, epoch: int) -> tuple[str, ...] | None:
    answer = await client.get("/validators", epoch=epoch, per_page=MAX_PER_PAGE)
    return None if answer is None else tuple(v["pubkey"] for v in answer["validators"])


async def get_registry(client: RpcClient) -> list[str]:
    """The registry's keys (hex) by registry index, as ``client``'s staking ledger has them."""
    keys: list[str] = []
    while len(keys) < MAX_PER_PAGE:
        record = await client.get("/v1/staking/validator", index=len(keys))
        if record is None:
            break
        keys.append(record["pubkey"])
    return keys


async def read_epochs(clients: list[RpcClient], honest: int = 0) -> EpochSummary:
    statuses = [await client.get("/status") or {} for client in clients]
    reached = min(int(status.get("epoch", 0)) for status in statuses)
    sets = [[await _get_set(c, e) for e in range(reached + 1)] for c in clients]
    summary = EpochSummary(reached, agree=all(s == sets[0] for s in sets))
    registry = await get_registry(clients[honest])
    for epoch in range(1, reached + 1):
        before, after = set(sets[0][epoch - 1] or ()), set(sets[0][epoch] or ())
        summary.validator_set_changes.append({
            "epoch": epoch,
            "joined": sorted(registry.index(pk) for pk in after - before if pk in registry),
            "left": sorted(registry.index(pk) for pk in before - after if pk in registry),
        })  # fmt: skip
    return summary
