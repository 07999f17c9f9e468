"""Building a simulated world: keys, stakes, the validator set, genesis and the nodes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from zkpov.chain.block_state import BlockState, LedgerRules
from zkpov.chain.containers import ChainState
from zkpov.chain.state import AccountState, Transfer
from zkpov.chain.transition import compute_genesis_state
from zkpov.config import ConsensusConfig
from zkpov.consensus.epochs.leaders import SeededLeaders
from zkpov.consensus.epochs.manager import EpochManager, ValidatorContext
from zkpov.consensus.epochs.sets import get_epoch_set
from zkpov.consensus.epochs.starts import EpochStart, recover_epoch, start_first_epoch
from zkpov.consensus.evidence_check import EvidenceChecker
from zkpov.consensus.factory import (
    ChainStart,
    build_core,
    build_reputation_leaders,
    start_chain,
)
from zkpov.consensus.leader import FixedLeaders, LeaderElection
from zkpov.consensus.validity import NativeReexecution, ValidityChecker
from zkpov.sim.metrics import get_message_round
from zkpov.sim.node import RecordingSafetyRules, SimNode, make_recording_rules
from zkpov.sim.scenarios import BYZANTINE_KINDS, SimConfig
from zkpov.spec.messages import Block, QuorumCert
from zkpov.spec.payload import compute_root_bytes
from zkpov.spec.signing import SignatureScheme, get_scheme
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BlockId, BLSPubkey, Epoch, NodeId, Stake, ValidatorIndex

__all__ = ["NodeHolder", "World", "build_world"]

# Without ``--epoch-length`` the simulator runs one epoch: consensus keeps its validator set for
# the whole run. With it, every node runs an epoch manager (zkpov.consensus.epochs).
SIM_EPOCH_LENGTH = 10**9

DEFAULT_STAKE = 32 * 10**9  # 32 tokens of 10**9 units: rewards per block are not rounded to 0


@lru_cache(maxsize=4)
def get_keys(scheme_name: str, count: int) -> tuple[tuple[bytes, BLSPubkey], ...]:
    """Deterministic validator keys, cached per process (key generation is not what we measure)."""
    scheme = get_scheme(scheme_name)
    return tuple(scheme.derive_keypair(b"validator-%d" % i) for i in range(count))


def compute_stakes(config: SimConfig) -> tuple[Stake, ...]:
    if config.equal_stakes:
        return tuple(Stake(DEFAULT_STAKE) for _ in range(config.validators))
    digest = hashlib.sha256(b"stakes%d" % config.seed).digest()
    return tuple(
        Stake(DEFAULT_STAKE // 100 * (50 + (digest[i % 32] + 7 * i) % 101))
        for i in range(config.validators)
    )


def assign_behaviours(config: SimConfig) -> list[str]:
    """Byzantine roles go to the highest indices, in ``BYZANTINE_KINDS`` order, then the
    custom ``behaviours`` in theirs."""
    roles = ["honest"] * config.validators
    position = config.validators
    for kind in (*BYZANTINE_KINDS, *config.behaviours):
        for _ in range(config.byzantine.get(kind, 0)):
            position -= 1
            roles[position] = kind
    return roles


@dataclass
class World:
    config: SimConfig
    scheme: SignatureScheme
    vset: ValidatorSet
    genesis: Block
    genesis_qc: QuorumCert
    nodes: list[SimNode]
    instances: dict[int, list[SimNode]]
    message_filter: Callable[[NodeId, NodeId, object], bool] | None = None
    genesis_state: AccountState = field(default_factory=AccountState)
    processed_height: int = 0
    on_canonical_hooks: list[Callable[[Block], None]] = field(default_factory=list)
    first_epoch: EpochStart | None = None  # epochs on: epoch 0 as every validator derives it

    def make_leaders(self, *, prune: bool = True) -> LeaderElection:
        """The nodes' leader election; ``prune=False`` for the checker's reference, which must
        answer for any round an honest node votes in, however far below the commits."""
        if self.config.leader_schedule is not None:
            schedule = {r: ValidatorIndex(i) for r, i in self.config.leader_schedule.items()}
            return FixedLeaders(schedule, len(self.vset))
        return build_reputation_leaders(self.vset, prune=prune)

    def make_epoch_leaders(self, vset: ValidatorSet) -> LeaderElection:
        """Epoch 0 as without epochs; later epochs draw by stake from their seed (a Twins
        schedule keeps applying, by index, where the set still has that index)."""
        if self.config.leader_schedule is not None:
            size = len(vset)
            schedule = {r: ValidatorIndex(i) for r, i in self.config.leader_schedule.items()}
            return FixedLeaders({r: i for r, i in schedule.items() if i < size}, size)
        return self.make_leaders() if vset.epoch == 0 else SeededLeaders(vset)

    def boot(self, node: SimNode) -> None:
        """(Re)start ``node`` from its persisted safety data and committed root."""
        if node.checker is None:  # the node's state database survives its crashes
            node.checker = self._make_checker()
        if self.first_epoch is not None:
            self._boot_manager(node, self.first_epoch)
            return
        start = ChainStart(self.vset, self.genesis, self.genesis_qc)
        node.core = build_core(
            start, node.index, node.sk, node.load_safety_data(self.vset.epoch),
            self._wrap_evidence_check(node),
            leaders=self.make_leaders(), root=node.root, history=node.committed,
            safety_rules=RecordingSafetyRules,
            test_only_break_vote_rule=self.config.test_only_break_vote_rule,
        )  # fmt: skip
        node.core.safety.records = node.records  # type: ignore[attr-defined]
        node.lives += 1

    def _make_checker(self) -> NativeReexecution:
        """Re-execution of the accounts; with ``staking_roots``, of the staking ledger too (the
        node's ``BlockState``), so that voters check each header's staking root."""
        if not self.config.staking_roots:
            return NativeReexecution(self.genesis.id, self.genesis_state, Transfer.from_bytes)
        rules = LedgerRules(self.vset.config, self._get_ledger_vset)
        ledger = get_genesis_economics(self.vset)
        state = BlockState(self.genesis_state.copy(), ledger, rules)
        return NativeReexecution(self.genesis.id, state, Transfer.from_bytes, _finish_block)

    def _get_ledger_vset(self, ledger: ChainState) -> ValidatorSet:
        """The consensus set of the ledger's epoch (what the epoch manager built at the switch)."""
        if ledger.epoch == self.vset.epoch:
            return self.vset
        return get_epoch_set(ledger).build_vset(self.scheme, self.vset.config)

    def _wrap_evidence_check(self, node: SimNode) -> ValidityChecker:
        """The node's checker behind the evidence check every voter runs (as the node's), over
        its durable committed-offence index; the checker alone under the test-only seam."""
        if self.config.test_only_skip_evidence_check:
            return node.checker  # type: ignore[no-any-return]
        return EvidenceChecker(node.checker, self.vset, node.offences)

    def _boot_manager(self, node: SimNode, first: EpochStart) -> None:
        context = ValidatorContext(
            node.index, node.sk, node.checker, safety_rules=make_recording_rules(node.records),
            make_leaders=self.make_epoch_leaders,
            test_only_break_vote_rule=self.config.test_only_break_vote_rule,
            evidence_index=None if self.config.test_only_skip_evidence_check else node.offences,
        )  # fmt: skip
        recovered = recover_epoch(first, node.committed)
        node.manager = EpochManager(
            context, recovered, node.store.load(), root=node.root, endings=node.endings
        )
        node.endings = node.manager.endings  # the manager appends; the list outlives it
        node.core = node.manager.core
        node.lives += 1

    def on_canonical(self, canonical: Sequence[BlockId], holder: NodeHolder) -> None:
        """Feed the blocks agreed since the last call (``canonical`` is the agreed log's ids) to
        the hooks, each read from the committed log of an honest node of ``holder``."""
        while self.processed_height < len(canonical):
            self.processed_height += 1
            block = _find_block(holder.nodes, self.processed_height)
            for hook in self.on_canonical_hooks:
                hook(block)


class NodeHolder(Protocol):
    """What holds the node instances (the runner), as :meth:`World.on_canonical` reads it."""

    @property
    def nodes(self) -> Sequence[SimNode]: ...


def _find_block(nodes: Sequence[SimNode], height: int) -> Block:
    for node in nodes:
        if len(node.committed) >= height and node.is_honest:
            return node.committed[height - 1]
    raise LookupError(f"no honest node committed height {height}")


def build_world(config: SimConfig) -> World:
    scheme = get_scheme(config.scheme)
    keys = get_keys(config.scheme, config.validators)
    consensus = ConsensusConfig.from_preset(
        "minimal", block_time=config.block_time, timeout_base=config.timeout_base,
        reputation_window=config.reputation_window,
        reputation_exclude_rounds=config.reputation_exclude_rounds,
        epoch_length=config.epoch_length or SIM_EPOCH_LENGTH,
    )  # fmt: skip
    seed = hashlib.sha256(b"genesis-seed%d" % config.seed).digest()
    pks = tuple(pk for _, pk in keys)
    vset = ValidatorSet(Epoch(0), pks, compute_stakes(config), scheme, consensus, seed)
    state = AccountState()  # shared: re-execution always works on a copy
    start = start_chain(vset, compute_root_bytes(state.root))
    genesis, genesis_qc = start.block, start.qc
    nodes, instances = _make_nodes(config, keys)
    world = World(config, scheme, vset, genesis, genesis_qc, nodes, instances, genesis_state=state)
    if config.round_partitions is not None:
        world.message_filter = make_round_filter(config.round_partitions)
    if config.epoch_length is not None:
        world.first_epoch = start_first_epoch(
            vset, genesis, genesis_qc, get_genesis_economics(vset)
        )
    return world


def get_genesis_economics(vset: ValidatorSet) -> ChainState:
    """The chain state every simulated validator starts from (owners named by index)."""
    owners = [b"owner-%d" % i for i in range(len(vset))]
    return compute_genesis_state(vset.pubkeys, vset.stakes, owners, vset.seed)


def _finish_block(state: BlockState, block: Block) -> bytes:
    return state.finish_block(block)


def make_round_filter(
    partitions: Mapping[int, tuple[frozenset[NodeId], ...]],
) -> Callable[[NodeId, NodeId, object], bool]:
    """Twins-style cut: a message of round r passes only inside one group of round r's partition
    (the network applies it only until ``round_partitions_until``, then heals)."""

    def is_delivered(src: NodeId, dst: NodeId, message: object) -> bool:
        round_ = get_message_round(message)
        groups = partitions.get(round_) if round_ is not None else None
        return groups is None or any(src in g and dst in g for g in groups)

    return is_delivered


def _make_nodes(
    config: SimConfig, keys: tuple[tuple[bytes, BLSPubkey], ...]
) -> tuple[list[SimNode], dict[int, list[SimNode]]]:
    nodes: list[SimNode] = []
    roles = assign_behaviours(config)
    for index, role in enumerate(roles):
        nodes.append(SimNode(NodeId(index), ValidatorIndex(index), keys[index][0], role))
    for index, role in enumerate(roles):
        if role == "twins":
            nodes.append(SimNode(NodeId(len(nodes)), ValidatorIndex(index), keys[index][0], role))
    instances: dict[int, list[SimNode]] = {}
    for node in nodes:
        instances.setdefault(node.index, []).append(node)
    return nodes, instances
