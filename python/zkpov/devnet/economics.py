"""What the devnet's staking ledgers say at the end of a run: who was slashed and by how much,
the rewards paid, and whether every node's supply equation holds.

``slashed`` and ``rewards_paid`` come from one honest node (``/v1/staking/validator`` for each
validator, genesis or joined, also those that left the set, and ``/v1/staking/supply`` at its
committed height); ``supply_conserved`` asks every node.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkpov.node.rpc.client import RpcClient

__all__ = ["LedgerSummary", "read_ledgers"]


@dataclass
class LedgerSummary:
    slashed: dict[str, int] = field(default_factory=dict)  # validator index -> stake burned
    rewards_paid: int = 0
    supply_conserved: bool = False
    deposited: int = 0  # bonds staking ops moved from accounts into the ledger


async def read_ledgers(clients: list[RpcClient], honest: int) -> LedgerSummary:
    supplies = [await client.get("/v1/staking/supply") or {} for client in clients]
    slashed = {}
    for index in range(len(clients)):  # one validator per node: genesis set, then joiners
        record = await clients[honest].get("/v1/staking/validator", index=index) or {}
        if int(record.get("slashed", "0")):
            slashed[str(index)] = int(record["slashed"])
    return LedgerSummary(
        slashed=slashed,
        rewards_paid=int(supplies[honest].get("minted", "0")),
        supply_conserved=bool(supplies) and all(s.get("conserved") is True for s in supplies),
        deposited=int(supplies[honest].get("deposited", "0")),
    )
