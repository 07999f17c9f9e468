"""The one way to build a consensus core: the node, the simulator and the engine all call it.

``ChainStart`` is what every validator of a chain derives from its genesis (validator set,
genesis block, root QC); :func:`build_core` builds validator ``index``'s core on it, resuming
from persisted safety data and a committed root when there are some.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkpov.consensus.core import BlockSealer, ConsensusCore, PayloadSource
from zkpov.consensus.genesis import make_genesis
from zkpov.consensus.leader import LeaderElection
from zkpov.consensus.reputation_leaders import ReputationLeaders
from zkpov.consensus.safety import SafetyRules
from zkpov.consensus.validity import ValidityChecker
from zkpov.spec.messages import Block, QuorumCert
from zkpov.spec.safety_data import SafetyData
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Root, ValidatorIndex

__all__ = ["ChainStart", "build_core", "build_reputation_leaders", "start_chain"]


@dataclass(frozen=True)
class ChainStart:
    """What every validator derives from genesis."""

    vset: ValidatorSet
    block: Block
    qc: QuorumCert


def start_chain(vset: ValidatorSet, state_root: Root) -> ChainStart:
    """The genesis block over ``state_root`` and the root QC every validator trusts for it."""
    block, qc = make_genesis(vset, state_root)
    return ChainStart(vset, block, qc)


def build_reputation_leaders(vset: ValidatorSet, *, prune: bool = True) -> ReputationLeaders:
    """The leader election of ``vset``'s epoch with its configured reputation window."""
    config = vset.config
    window, exclude = config.reputation_window, config.reputation_exclude_rounds
    return ReputationLeaders(vset.stakes, vset.epoch, vset.seed, window, exclude, prune=prune)


def build_core(
    start: ChainStart,
    index: ValidatorIndex,
    sk: bytes,
    safety_data: SafetyData | None,
    checker: ValidityChecker,
    *,
    leaders: LeaderElection | None = None,
    payload_source: PayloadSource | None = None,
    root: tuple[Block, QuorumCert] | None = None,
    history: Sequence[Block] = (),
    safety_rules: type[SafetyRules] = SafetyRules,
    test_only_break_vote_rule: bool = False,
    wall_offset_ms: int = 0,
    sealer: BlockSealer | None = None,
) -> ConsensusCore:
    """A core for validator ``index`` rooted at ``root`` (genesis if None), resuming from
    ``safety_data`` if given; ``history`` is the committed chain the leader election replays.
    ``leaders`` defaults to reputation-weighted election (:func:`build_reputation_leaders`).
    ``wall_offset_ms`` turns the driver's ``now`` into wall-clock Unix ms (0: ``now`` is it);
    ``sealer`` is an epoch manager's (:mod:`zkpov.consensus.epochs`)."""
    election = leaders if leaders is not None else build_reputation_leaders(start.vset)
    for block in history:
        election.on_commit(block)
    root_block, root_qc = root or (start.block, start.qc)
    return ConsensusCore(
        vset=start.vset,
        index=index,
        sk=sk,
        safety_data=safety_data or SafetyData(start.vset.epoch),
        leaders=election,
        checker=checker,
        root=root_block,
        root_qc=root_qc,
        payload_source=payload_source,
        safety_rules=safety_rules,
        test_only_break_vote_rule=test_only_break_vote_rule,
        wall_offset_ms=wall_offset_ms,
        sealer=sealer,
    )
