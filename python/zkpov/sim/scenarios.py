"""Simulation configuration and the textual forms of the CLI's fault options.

``--partition START:END:GROUPS`` cuts the network between ``START`` and ``END`` seconds into
``GROUPS``, node ids like ``0-3/4,5,6`` (``/`` separates groups; unlisted nodes are isolated).
``--crash NODE@TIME`` crashes node ``NODE`` at ``TIME``; ``NODE@TIME:RESTART`` restarts it.
``--crash-random NODE:COUNT`` crashes and restarts ``NODE`` ``COUNT`` times at seeded moments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from zkpov.sim.attack import Rewrite
from zkpov.sim.network import Latency, Partition
from zkpov.types import NodeId

__all__ = [
    "ATTACK_KINDS",
    "BYZANTINE_KINDS",
    "CrashSpec",
    "ScenarioError",
    "SimConfig",
    "parse_byzantine",
    "parse_crash",
    "parse_crash_random",
    "parse_partition",
]

# Attacks on availability and fairness (issue 9); safety stays the invariants' business.
ATTACK_KINDS = (
    "vote_forger",
    "bad_signature_voter",
    "leader_grinder",
    "future_round_flooder",
    "tc_forger",
    "stale_parent_proposer",
    "future_timestamp_proposer",
    "stale_timestamp_proposer",
    "wrong_set_proposer",
    "wrong_staking_root_proposer",
    "forged_evidence_proposer",
    "evidence_replayer",
)
MAX_SIM_VALIDATORS = 1000

BYZANTINE_KINDS = (
    "equivocating_leader",
    "double_voter",
    "withholder",
    "invalid_block_proposer",
    "twins",
    *ATTACK_KINDS,
)


class ScenarioError(ValueError):
    """A simulation option that does not parse or does not fit the validator count."""


@dataclass(frozen=True)
class CrashSpec:
    node: int
    at: float
    restart_at: float | None = None


@dataclass(frozen=True)
class SimConfig:
    """Everything a run depends on; the same config and seed give the same run."""

    validators: int = 4
    rounds: int = 20
    seed: int = 0
    byzantine: Mapping[str, int] = field(default_factory=dict)
    # Byzantine kinds of your own: name -> rewrite of the node's actions (see sim/attack.py),
    # counted in ``byzantine`` like the built-in kinds.
    behaviours: Mapping[str, Rewrite] = field(default_factory=dict)
    partitions: tuple[Partition, ...] = ()
    crashes: tuple[CrashSpec, ...] = ()
    random_restarts: tuple[tuple[int, int], ...] = ()  # (node, count): seeded crash + restart
    latency: Latency = field(default_factory=Latency)
    loss: float = 0.0
    scheme: str = "bls"
    block_time: float = 0.5
    timeout_base: float = 1.0
    equal_stakes: bool = True
    leader_schedule: Mapping[int, int] | None = None
    round_partitions: Mapping[int, tuple[frozenset[NodeId], ...]] | None = None
    round_partitions_until: float = float("inf")
    test_only_break_vote_rule: bool = False
    test_only_skip_evidence_check: bool = False  # voters skip the evidence check (tests only)
    reputation_window: int = 10
    reputation_exclude_rounds: int = 4
    max_time: float | None = None
    epoch_length: int | None = None  # blocks per epoch; None: one epoch for the whole run
    # voters keep a staking ledger beside the accounts and check every header's staking_root
    # (off by default: encoding the ledger per block and node costs too much at 1,000 validators)
    staking_roots: bool = False
    max_events: int = 50_000_000

    def __post_init__(self) -> None:
        if not 1 <= self.validators <= MAX_SIM_VALIDATORS:
            raise ScenarioError(f"validators must be between 1 and {MAX_SIM_VALIDATORS}")
        if self.rounds < 1:
            raise ScenarioError("rounds must be positive")
        self._check_kinds()
        if sum(self.byzantine.values()) > self.validators:
            raise ScenarioError("more byzantine validators than validators")
        if self.epoch_length is not None and self.epoch_length < 1:
            raise ScenarioError("epoch length must be a positive number of blocks")

    def _check_kinds(self) -> None:
        reused = set(self.behaviours) & {*BYZANTINE_KINDS, "honest"}
        if reused:
            raise ScenarioError(f"custom behaviours {sorted(reused)} reuse a built-in name")
        unknown = set(self.byzantine) - set(BYZANTINE_KINDS) - set(self.behaviours)
        if unknown:
            raise ScenarioError(f"unknown byzantine kinds {sorted(unknown)}; use {BYZANTINE_KINDS}")

    def get_max_time(self) -> float:
        """Virtual time limit: ``max_time``, else three base timeouts and a block time per round
        plus 10 s. Not a full backoff: a run whose rounds take longer stops here, short of
        ``rounds``."""
        return self.max_time or self.rounds * (self.timeout_base * 3.0 + self.block_time) + 10.0


def parse_byzantine(items: tuple[str, ...] | list[str]) -> dict[str, int]:
    """``["double_voter=1", ...]`` to ``{"double_voter": 1}``."""
    result: dict[str, int] = {}
    for item in items:
        kind, sep, count = item.partition("=")
        if not sep or kind not in BYZANTINE_KINDS or not count.isdigit():
            raise ScenarioError(f"--byzantine takes KIND=COUNT with KIND in {BYZANTINE_KINDS}")
        result[kind] = result.get(kind, 0) + int(count)
    return result


def _parse_nodes(text: str) -> frozenset[NodeId]:
    nodes: set[NodeId] = set()
    for part in filter(None, text.split(",")):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ScenarioError(f"bad node list {text!r}")
        if int(high or low) >= MAX_SIM_VALIDATORS:  # before building the set
            raise ScenarioError(f"node list {text!r}: nodes are below {MAX_SIM_VALIDATORS}")
        nodes.update(NodeId(i) for i in range(int(low), int(high or low) + 1))
    return frozenset(nodes)


def parse_partition(text: str) -> Partition:
    """``START:END:GROUPS`` (see the module docstring)."""
    try:
        start, end, groups = text.split(":", 2)
        partition = Partition(
            float(start), float(end), tuple(_parse_nodes(g) for g in groups.split("/"))
        )
    except ValueError as exc:
        raise ScenarioError(f"--partition takes START:END:GROUPS, got {text!r}") from exc
    if partition.end <= partition.start:
        raise ScenarioError("a partition must end after it starts")
    return partition


def parse_crash(text: str) -> CrashSpec:
    """``NODE@TIME`` or ``NODE@TIME:RESTART``."""
    try:
        node, _, times = text.partition("@")
        at, _, restart = times.partition(":")
        spec = CrashSpec(int(node), float(at), float(restart) if restart else None)
    except ValueError as exc:
        raise ScenarioError(f"--crash takes NODE@TIME[:RESTART], got {text!r}") from exc
    if spec.restart_at is not None and spec.restart_at <= spec.at:
        raise ScenarioError("a restart must come after the crash")
    return spec


def parse_crash_random(text: str) -> tuple[int, int]:
    """``NODE:COUNT``."""
    node, sep, count = text.partition(":")
    if not sep or not node.isdigit() or not count.isdigit():
        raise ScenarioError(f"--crash-random takes NODE:COUNT, got {text!r}")
    return int(node), int(count)
