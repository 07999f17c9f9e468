"""One epoch's consensus core, as :class:`~zkpov.consensus.epochs.manager.EpochManager` builds
it on entering the epoch: a speculative chain over the epoch's start (or the committed root it
recovered), the epoch checker that seals and checks its blocks, and signing rules that make a
validator outside the epoch's set an observer (it never signs)."""

from __future__ import annotations

from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.epochs.checker import EpochChecker, wrap_evidence_check
from zkpov.consensus.epochs.context import ValidatorContext
from zkpov.consensus.epochs.observer import ObserverSafetyRules
from zkpov.consensus.epochs.routing import empty_after, get_own_index
from zkpov.consensus.epochs.speculative import SpeculativeChain
from zkpov.consensus.epochs.starts import EpochStart, Recovered
from zkpov.consensus.factory import ChainStart, build_core
from zkpov.spec.messages import Block, QuorumCert
from zkpov.spec.safety_data import SafetyData

__all__ = ["build_epoch_core"]


def build_epoch_core(
    context: ValidatorContext, start: EpochStart, recovered: Recovered, safety: SafetyData,
    root: tuple[Block, QuorumCert] | None,
) -> tuple[ConsensusCore, EpochChecker]:  # fmt: skip
    """The core of epoch ``start`` for ``context.me``, from ``root`` (a committed root past the
    start, whose state and history ``recovered`` holds) or else from the start; with its
    checker, which the manager asks for the chain state at the epoch's end."""
    base = recovered.state if root is not None else start.state
    root_block = root[0] if root is not None else start.root
    chain = SpeculativeChain(root_block, base, start.vset, start.window, context.payload_ledger)
    epoch_checker = EpochChecker(context.inner, chain)
    checker = wrap_evidence_check(epoch_checker, start.vset, context.evidence_index)
    member = context.me in start.set.members
    history = recovered.history if root is not None else ()
    own = get_own_index(start.set.members, context.me)
    core = build_core(
        ChainStart(start.vset, start.root, start.root_qc), own, context.sk,
        safety, checker, leaders=context.make_leaders(start.vset),
        payload_source=empty_after(context.payload_source, start.window), root=root,
        history=history, safety_rules=context.safety_rules if member else ObserverSafetyRules,
        wall_offset_ms=context.wall_offset_ms, sealer=epoch_checker.seal,
        test_only_break_vote_rule=context.test_only_break_vote_rule,
    )  # fmt: skip
    return core, epoch_checker
