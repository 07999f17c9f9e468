"""The leader's path: when to propose, and what its block carries.

A leader proposes at its round's pacing time (``ConsensusCore.proposal_due``), as soon as it
holds the block its highest QC certifies (a QC formed from votes can arrive before that block):
:func:`propose_if_due`. :class:`BlockBuilder` builds the block: body, post-state root, evidence,
header fields and the epoch seal. The proposal is signed (after ``SafetyRules`` records the
round), broadcast, and applied by the leader like any other proposal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Protocol

from zkpov.consensus.actions import Action, Broadcast, PersistSafety
from zkpov.consensus.block_tree import BlockTree
from zkpov.consensus.evidence_check import select_evidence
from zkpov.consensus.evidence_pool import EvidencePool
from zkpov.consensus.pacemaker import Pacemaker
from zkpov.consensus.proposals import BlockBody, ProposerContext, make_block
from zkpov.consensus.safety import SafetyRules
from zkpov.consensus.tc_gate import get_justifying_tc
from zkpov.consensus.validity import ValidityChecker
from zkpov.spec.messages import Block, Proposal, QuorumCert, TimeoutCert
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Round, ValidatorIndex

__all__ = ["BlockBuilder", "BlockSealer", "PayloadSource", "ProposerHost", "propose_if_due"]

PayloadSource = Callable[[Block], BlockBody]
BlockSealer = Callable[[Block, Block], Block]  # (block, parent) -> the block the leader signs


class BlockBuilder:
    """One validator's blocks as leader in one epoch."""

    def __init__(
        self,
        vset: ValidatorSet,
        index: ValidatorIndex,
        randao_reveal: bytes,
        checker: ValidityChecker,
        payload_source: PayloadSource | None,
        sealer: BlockSealer | None,
    ) -> None:
        self.vset, self.index, self.randao_reveal = vset, index, randao_reveal
        self.checker, self.payload_source, self.sealer = checker, payload_source, sealer

    def build(
        self, round_: Round, parent: Block, hqc: QuorumCert, pending: tuple[bytes, ...],
        wall_ms: int,
    ) -> Block:  # fmt: skip
        """The block of ``round_`` on ``parent`` (certified by ``hqc``), carrying what of the
        ``pending`` evidence it may, stamped with our wall clock ``wall_ms``."""
        body = self.payload_source(parent) if self.payload_source else BlockBody()
        root = self.checker.compute_post_root(parent, body.payload)
        evidence = select_evidence(self.checker, parent, round_, pending)
        context = ProposerContext(
            self.vset.epoch, self.index, self.randao_reveal, hqc, self.vset.commitment, wall_ms
        )
        block = make_block(context, round_, parent, root, body, evidence)
        if self.sealer is not None:
            block = self.sealer(block, parent)
        staking_root = self.checker.compute_staking_root(block, parent)
        return dataclasses.replace(block, staking_root=staking_root)


class ProposerHost(Protocol):
    """What the leader's path reads and changes of the core (``ConsensusCore`` is one)."""

    index: ValidatorIndex
    tree: BlockTree
    safety: SafetyRules
    evidence: EvidencePool
    pacemaker: Pacemaker
    builder: BlockBuilder
    now: float
    htc: TimeoutCert | None
    proposal_due: tuple[Round, float] | None
    last_proposal: Proposal | None

    @property
    def wall_ms(self) -> int: ...

    def get_round_leader(self, round_: Round) -> ValidatorIndex | None: ...

    def _apply_proposal(self, proposal: Proposal) -> list[Action]: ...


def propose_if_due(host: ProposerHost) -> list[Action]:
    """Propose once the pacing time came, as soon as we hold the block to extend (a QC
    formed from votes can arrive before the block it certifies)."""
    due = host.proposal_due
    if due is None or due[1] > host.now:
        return []
    if due[0] == host.pacemaker.round and not host.tree.has(host.tree.hqc.block_id):
        return []
    host.proposal_due = None
    return _propose(host, due[0]) if due[0] == host.pacemaker.round else []


def _propose(host: ProposerHost, round_: Round) -> list[Action]:
    parent = host.tree.get(host.tree.hqc.block_id)
    data = host.safety.data
    if parent is None or round_ <= max(data.last_voted_round, data.last_proposed_round):
        return []
    if host.get_round_leader(round_) != host.index:
        return []
    pending = tuple(host.evidence.pending)
    block = host.builder.build(round_, parent, host.tree.hqc, pending, host.wall_ms)
    signature = host.safety.sign_proposal(round_, block.header.signing_root)
    proposal = Proposal(block, signature, get_justifying_tc(host.htc, round_))
    host.last_proposal = proposal
    actions: list[Action] = [PersistSafety(host.safety.data), Broadcast(proposal)]
    return actions + host._apply_proposal(proposal)
