"""The sans-I/O Jolteon core: ``on_proposal / on_vote / on_timeout / on_tick`` return actions.

Round flow (docs/design.md, "Consensus"): the leader of round r extends the highest certified block;
a validator checks the proposal, votes (after persisting SafetyData) and sends the vote to the next
leader (itself included: its own vote leaves as a ``SendTo`` like any other, so drivers record it in
slashing protection), who aggregates a QC and proposes round r + 1. Without progress, validators
time out, broadcast signed timeouts, echo them at > 1/3 of the stake and form a TC at > 2/3. A QC
for a block directly after its parent commits that parent and its ancestors.

**Handlers are atomic.** Each ``on_*`` first validates its input, cheapest checks first (shape,
window, parent, leader, then signatures and certificates), raising a ``ZkpovError`` without
changing anything; only then does it apply the input. A ``ZkpovError`` raised while applying is
a bug and becomes :class:`CoreFault`: drivers treat any exception other than a ``ZkpovError`` as
fatal for the core and rebuild it from durable state, never dropping its actions and carrying on.

This module holds the core's state and its validated inputs; the paths they run live beside it
and act on the core it passes them: ``voting`` (insert a proposal's block, vote), ``proposing``
(the leader's block and proposal), ``rounds`` (entering a round), ``timeouts`` (local timeouts,
echoes, TCs, retransmission), ``commits`` (the best commit QC and its commit) and
``acceptance`` (stale, window and insertion checks). ``BlockBody`` (from ``proposals``) and
``PayloadSource`` and ``BlockSealer`` (from ``proposing``) are re-exported here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from zkpov.consensus.acceptance import is_in_window, is_stale
from zkpov.consensus.actions import Action
from zkpov.consensus.block_tree import BlockTree
from zkpov.consensus.commits import CommitTracker
from zkpov.consensus.evidence_pool import EvidencePool
from zkpov.consensus.leader import LeaderElection
from zkpov.consensus.pacemaker import Pacemaker
from zkpov.consensus.proposals import (
    BlockBody,
    InvalidProposal,
    check_parent_link,
    check_proposal_shape,
    check_proposal_signatures,
    check_timestamp_drift,
)
from zkpov.consensus.proposing import BlockBuilder, BlockSealer, PayloadSource, propose_if_due
from zkpov.consensus.quorum import (
    InvalidVote,
    TimeoutCollector,
    VoteCollector,
    verify_qc,
    verify_timeout,
)
from zkpov.consensus.round_leaders import get_entry_leader, get_proposal_leader, get_vote_recipient
from zkpov.consensus.rounds import advance_round
from zkpov.consensus.safety import SafetyRules
from zkpov.consensus.sync import BlockSync, compute_holders
from zkpov.consensus.tc_gate import TcGate
from zkpov.consensus.timeouts import process_timeout, process_timer
from zkpov.consensus.validity import ValidityChecker
from zkpov.consensus.voting import process_block
from zkpov.errors import ZkpovError
from zkpov.spec.evidence import DoubleVote
from zkpov.spec.messages import (
    Block,
    BlockRequest,
    BlockResponse,
    Proposal,
    QuorumCert,
    Timeout,
    TimeoutCert,
    Vote,
    compute_randao_signing_root,
)
from zkpov.spec.safety_data import SafetyData
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Round, ValidatorIndex

__all__ = ["BlockBody", "BlockSealer", "ConsensusCore", "CoreFault", "PayloadSource"]


class CoreFault(RuntimeError):
    """A handler failed after it began to change the core: rebuild it from durable state."""


class ConsensusCore:
    """One validator's consensus state machine for one epoch."""

    def __init__(
        self,
        *,
        vset: ValidatorSet,
        index: ValidatorIndex,
        sk: bytes,
        safety_data: SafetyData,
        leaders: LeaderElection,
        checker: ValidityChecker,
        root: Block,
        root_qc: QuorumCert,
        payload_source: PayloadSource | None = None,
        safety_rules: type[SafetyRules] = SafetyRules,
        test_only_break_vote_rule: bool = False,
        wall_offset_ms: int = 0,
        sealer: BlockSealer | None = None,
    ) -> None:
        self.vset, self.index, self._sk = vset, index, sk
        self.sealer = sealer  # epochs: the next-set field and empty suffix blocks
        self.wall_offset_ms = wall_offset_ms  # wall clock (Unix ms) minus ``now`` in ms
        self.safety = safety_rules(
            safety_data, index, sk, vset.scheme, test_only_break_vote_rule=test_only_break_vote_rule
        )
        self.leaders, self.checker = leaders, checker
        self.tree = BlockTree(root, root_qc)
        self.pacemaker = Pacemaker(vset.config.timeout_base, root_qc.round)
        self.htc: TimeoutCert | None = None
        self.votes: dict[Round, VoteCollector] = {}
        self.timeouts: dict[Round, TimeoutCollector] = {}
        self.evidence = EvidencePool()
        self.last_timeout: Timeout | None = None
        self.last_proposal: Proposal | None = None
        self.tc_gate = TcGate(vset)
        self.randao_reveal = vset.scheme.sign(sk, compute_randao_signing_root(vset.epoch))
        self.now = 0.0
        self.proposal_due: tuple[Round, float] | None = None
        self.sync = BlockSync(self.tree, vset, checker, index, vset.config.timeout_base)
        self.commits = CommitTracker(self.tree, self.sync, len(vset))
        reveal = self.randao_reveal
        self.builder = BlockBuilder(vset, index, reveal, checker, payload_source, sealer)

    # -- inputs ---------------------------------------------------------------------------------

    def start(self, now: float) -> list[Action]:
        """Enter the first round after the root (call once, at boot or restart)."""
        self.now = now
        return self._guard(advance_round, self)

    def on_proposal(self, proposal: Proposal, now: float | None = None) -> list[Action]:
        """Check a proposal (cheap checks first), then process its certificates and vote."""
        self._set_time(now)
        block = proposal.block
        check_proposal_shape(proposal, self.vset, has_epochs=self.sealer is not None)
        check_timestamp_drift(block, self.wall_ms)
        if is_stale(self.tree, block):
            return []
        if not self._is_in_window(block.round):  # we lag, or junk: learn its QC, nothing more
            verify_qc(block.qc, self.vset, self.tree.root_qc)
            return self._guard(self._process_certificates, block.qc, None)
        if self.tree.is_extendable(block.parent_id):
            check_parent_link(block, self.tree.blocks[block.parent_id])
            leader = get_proposal_leader(self.leaders, self.tree, block)
            if leader is None:  # an ancestor we cannot read: no verdict, and no blame
                return []
            if leader != block.proposer:
                raise InvalidProposal(f"{block.proposer} does not lead round {block.round}")
        check_proposal_signatures(proposal, self.vset, self.tree.root_qc)
        tc = self.tc_gate.check_proposal_tc(proposal, self.htc, self.tree.root_qc)
        checked = dataclasses.replace(proposal, tc=tc)
        return self._guard(self._apply_proposal, checked)

    def on_vote(self, vote: Vote, now: float | None = None) -> list[Action]:
        """Collect a vote sent to us as the next round's leader."""
        self._set_time(now)
        if vote.vote_data.epoch != self.vset.epoch or not self.vset.is_member(vote.voter):
            raise InvalidVote(f"vote from {vote.voter} is not from epoch {self.vset.epoch}'s set")
        is_old = vote.round + 1 < self.pacemaker.round or vote.round < self.tree.root.round
        if is_old or not self._is_in_window(vote.round):
            return []
        block = self.tree.get(vote.vote_data.block_id)
        if block is not None and self.get_next_leader(block) != self.index:
            return []
        collector = self.votes.setdefault(vote.round, VoteCollector(self.vset, vote.round))
        qc, double = collector.on_vote(vote)
        return self._guard(self._apply_vote, qc, double)

    def on_timeout(self, timeout: Timeout, now: float | None = None) -> list[Action]:
        """Verify a timeout; echo at > 1/3 of the stake; form a TC at > 2/3 (``timeouts.py``)."""
        self._set_time(now)
        if timeout.round < self.pacemaker.round:
            return []
        verify_timeout(timeout, self.vset, self.tree.root_qc)
        root_qc, current = self.tree.root_qc, self.pacemaker.round
        tc = self.tc_gate.check_timeout_tc(timeout, self.htc, root_qc, current)
        return self._guard(process_timeout, self, timeout, tc)

    def on_block_request(self, request: BlockRequest, sender: ValidatorIndex) -> list[Action]:
        """A peer asks for blocks we know."""
        return self.sync.on_block_request(request, sender)

    def on_block_response(
        self, response: BlockResponse, sender: ValidatorIndex, now: float | None = None
    ) -> list[Action]:
        """Blocks we asked for: insert those that check, then resume parked proposals."""
        self._set_time(now)
        return self._guard(self._apply_block_response, response, sender)

    def _apply_block_response(
        self, response: BlockResponse, sender: ValidatorIndex
    ) -> list[Action]:
        result = self.sync.on_block_response(response, sender, self.now)
        return self.on_blocks_inserted(result.inserted) + result.requests

    def on_blocks_inserted(self, blocks: list[Block]) -> list[Action]:
        """Certificates inside new blocks, parked proposals, and commits they enable."""
        actions: list[Action] = []
        for block in blocks:
            actions += self._process_qc(block.qc)
        for block in blocks:
            for proposal in self.sync.take_pending(block.id):
                actions += process_block(self, proposal)
        return actions + self._try_commit() + advance_round(self) + propose_if_due(self)

    def on_tick(self, now: float) -> list[Action]:
        """Time passed: propose when due, retry syncs, retransmit, time out at the deadline."""
        self._set_time(now)
        return self._guard(self._apply_tick)

    def _apply_tick(self) -> list[Action]:
        return propose_if_due(self) + self.sync.on_tick(self.now) + process_timer(self)

    # -- helpers --------------------------------------------------------------------------------

    def _is_in_window(self, round_: Round) -> bool:
        return is_in_window(round_, self.pacemaker.round)

    def _guard(self, apply: Callable[..., list[Action]], *args: Any) -> list[Action]:
        try:
            return apply(*args)
        except ZkpovError as exc:
            raise CoreFault(f"{apply.__name__} failed after changing the core: {exc}") from exc

    # -- proposals and votes --------------------------------------------------------------------

    def _apply_proposal(self, proposal: Proposal) -> list[Action]:
        block = proposal.block
        actions = self._process_certificates(block.qc, proposal.tc)
        if not self._is_in_window(block.round) or is_stale(self.tree, block):
            return actions  # our own round moved on meanwhile (a commit, a TC)
        actions += self.evidence.on_proposal(proposal)
        if not self.tree.is_extendable(block.parent_id):
            holders = compute_holders(block.qc, len(self.vset), block.proposer)
            return actions + self.sync.request_block(block.parent_id, holders, proposal, self.now)
        return actions + process_block(self, proposal)

    def _apply_vote(self, qc: QuorumCert | None, double: tuple[Vote, Vote] | None) -> list[Action]:
        actions = [] if double is None else self.evidence.record(DoubleVote(*double))
        return actions + ([] if qc is None else self._process_certificates(qc, None))

    # -- certificates, rounds and commits -------------------------------------------------------

    def _process_certificates(self, qc: QuorumCert | None, tc: TimeoutCert | None) -> list[Action]:
        actions: list[Action] = []
        if qc is not None:
            actions += self._process_qc(qc)
        if tc is not None and (self.htc is None or tc.round > self.htc.round):
            self.htc = tc
            actions += self._process_qc(tc.highest_qc)
        return actions + advance_round(self)

    def _process_qc(self, qc: QuorumCert) -> list[Action]:
        return self._try_commit() if self.commits.observe(qc) else []

    def _try_commit(self) -> list[Action]:
        return self.commits.try_commit(self.now, (self.leaders, self.checker, self.evidence))

    def get_round_leader(self, round_: Round) -> ValidatorIndex | None:
        """Leader of ``round_`` for a block extending our highest certified block."""
        return get_entry_leader(self.leaders, self.tree, round_)

    def get_next_leader(self, block: Block) -> ValidatorIndex | None:
        """Leader of the round after ``block`` for a block extending it (where votes on it go)."""
        return get_vote_recipient(self.leaders, self.tree, block)

    # -- bookkeeping ----------------------------------------------------------------------------

    def get_table_sizes(self) -> dict[str, int]:
        """Entries in the tables peers can fill (the simulator reports their peaks)."""
        return {
            "votes": sum(c.retained_size() for c in self.votes.values()),
            "timeouts": sum(len(c.timeouts) for c in self.timeouts.values()),
            "blocks": len(self.tree.blocks),
            "parked": self.sync.get_parked_count(),
            "sync": len(self.sync.requests) + len(self.sync.orphans),
            "evidence": self.evidence.get_size(),
            "tc_checks": self.tc_gate.get_size(),
        }

    @property
    def wall_ms(self) -> int:
        """Our wall clock in Unix ms: ``now`` moved by the driver's offset (sans-I/O)."""
        return int(self.now * 1000) + self.wall_offset_ms

    def _set_time(self, now: float | None) -> None:
        if now is not None:
            self.now = max(self.now, now)
