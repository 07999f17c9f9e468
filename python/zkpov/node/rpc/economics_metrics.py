"""The staking ledger's Prometheus series (on the node's registry, see
:mod:`~zkpov.node.rpc.metrics`), set from the committed ledger at start and after each commit:

- ``staking_total_stake``: stake bonded in the ledger (self and delegated);
- ``staking_rewards_paid``: tokens minted as block rewards since genesis;
- ``staking_slashed``: stake burned by slashing since genesis;
- ``staking_supply_violations_total``: committed blocks after which the supply equation broke
  (0 on a correct node; each also logs an ERROR).

The first three are gauges of durable totals, so they survive a restart unchanged.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from zkpov.node.rpc.staking_view import SupplyRecord

__all__ = ["EconomicsMetrics"]

NAMESPACE = "zkpov"


class EconomicsMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        def gauge(name: str, doc: str) -> Gauge:
            return Gauge(name, doc, namespace=NAMESPACE, subsystem="staking", registry=registry)

        self.total_stake = gauge("total_stake", "Stake bonded in the staking ledger.")
        self.rewards_paid = gauge("rewards_paid", "Tokens minted as block rewards since genesis.")
        self.slashed = gauge("slashed", "Stake burned by slashing since genesis.")
        self.supply_violations = Counter(
            "supply_violations", "Blocks after which the supply equation broke.",
            namespace=NAMESPACE, subsystem="staking", registry=registry,
        )  # fmt: skip

    def on_supply(self, supply: SupplyRecord) -> None:
        self.total_stake.set(supply.bonded)
        self.rewards_paid.set(supply.minted)
        self.slashed.set(supply.slashed)

    def on_supply_violation(self) -> None:
        self.supply_violations.inc()
