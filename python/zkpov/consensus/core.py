"""The sans-I/O Jolteon core: ``on_proposal / on_vote / on_timeout / on_tick`` return actions.

Round flow (DESIGN.md section 4): the leader of round r extends the highest certified block; a
validator checks the proposal, votes (after persisting SafetyData) and sends the vote to the next
leader, who aggregates a QC and proposes round r + 1. Without progress, validators time out,
broadcast signed timeouts, echo them at > 1/3 of the stake and form a TC at > 2/3. A QC for a block
directly after its parent commits that parent and its ancestors (2-chain rule).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from zkpov.chain.seed import compute_randao_signing_root
from zkpov.consensus.actions import (
    Action,
    Broadcast,
    Commit,
    PersistSafety,
    ScheduleTimeout,
    SendTo,
)
from zkpov.consensus.block_tree import BlockTree, MissingBlock
from zkpov.consensus.evidence import DoubleVote
from zkpov.consensus.evidence_pool import EvidencePool
from zkpov.consensus.leader import LeaderElection
from zkpov.consensus.messages import (
    Block,
    BlockRequest,
    BlockResponse,
    Proposal,
    QuorumCert,
    Timeout,
    TimeoutCert,
    Vote,
)
from zkpov.consensus.pacemaker import Pacemaker
from zkpov.consensus.proposals import (
    BlockBody,
    check_proposal,
    make_block,
    record_invalid_block,
)
from zkpov.consensus.quorum import TimeoutCollector, VoteCollector, verify_tc, verify_timeout
from zkpov.consensus.round_leaders import (
    get_entry_leader,
    get_proposal_leader,
    get_vote_recipient,
)
from zkpov.consensus.safety import SafetyRules, UnsafeTimeout, UnsafeVote
from zkpov.consensus.safety_data import SafetyData
from zkpov.consensus.sync import BlockSync, compute_sync_peer
from zkpov.consensus.validators import ValidatorSet
from zkpov.consensus.validity import InvalidBlock, ValidityChecker
from zkpov.types import Round, ValidatorIndex

__all__ = ["BlockBody", "ConsensusCore", "PayloadSource"]

PayloadSource = Callable[[Block], BlockBody]


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
    ) -> None:
        self.vset, self.index, self._sk = vset, index, sk
        self.safety = safety_rules(
            safety_data, index, sk, vset.scheme, test_only_break_vote_rule=test_only_break_vote_rule
        )
        self.leaders, self.checker, self.payload_source = leaders, checker, payload_source
        self.tree = BlockTree(root, root_qc)
        self.pacemaker = Pacemaker(vset.config.timeout_base, root_qc.round)
        self.htc: TimeoutCert | None = None
        self.votes: dict[Round, VoteCollector] = {}
        self.timeouts: dict[Round, TimeoutCollector] = {}
        self.evidence = EvidencePool()
        self.best_commit_qc: QuorumCert | None = None
        self.last_timeout: Timeout | None = None
        self.randao_reveal = vset.scheme.sign(sk, compute_randao_signing_root(vset.epoch))
        self.now = 0.0
        self.proposal_due: tuple[Round, float] | None = None
        self.sync = BlockSync(self)

    # -- inputs ---------------------------------------------------------------------------------

    def start(self, now: float) -> list[Action]:
        """Enter the first round after the root (call once, at boot or restart)."""
        self.now = now
        return self._advance_round()

    def on_proposal(self, proposal: Proposal, now: float | None = None) -> list[Action]:
        """Check a proposal, process its certificates, and vote if it is safe and valid."""
        self._set_time(now)
        block = proposal.block
        check_proposal(proposal, self.vset, self.tree.root_qc)
        actions = self.evidence.on_proposal(proposal)
        actions += self._process_certificates(block.qc, proposal.tc)
        if block.height <= self.tree.root.height:
            return actions
        if not self.tree.has(block.parent_id):
            return actions + self.sync.request_block(block.parent_id, block.proposer, proposal)
        return actions + self._process_block(proposal)

    def on_vote(self, vote: Vote, now: float | None = None) -> list[Action]:
        """Collect a vote sent to us as the next round's leader."""
        self._set_time(now)
        if vote.round + 1 < self.pacemaker.round or vote.round < self.tree.root.round:
            return []
        block = self.tree.get(vote.vote_data.block_id)
        if block is not None and self.get_next_leader(block) != self.index:
            return []
        collector = self.votes.setdefault(vote.round, VoteCollector(self.vset))
        qc, double = collector.on_vote(vote)
        actions = [] if double is None else self.evidence.record(DoubleVote(*double))
        if qc is not None:
            actions += self._process_certificates(qc, None)
        return actions

    def on_timeout(self, timeout: Timeout, now: float | None = None) -> list[Action]:
        """Verify a timeout; echo at > 1/3 of the stake; form a TC at > 2/3."""
        self._set_time(now)
        if timeout.round < self.pacemaker.round:
            return []
        verify_timeout(timeout, self.vset, self.tree.root_qc)
        tc = timeout.tc
        if tc is not None and (self.htc is None or tc.round > self.htc.round):
            verify_tc(tc, self.vset, self.tree.root_qc)
        actions = self._process_certificates(timeout.hqc, tc)
        return actions + self._collect_timeout(timeout)

    def on_block_request(self, request: BlockRequest, sender: ValidatorIndex) -> list[Action]:
        """A peer asks for blocks we know."""
        return self.sync.on_block_request(request, sender)

    def on_block_response(
        self, response: BlockResponse, sender: ValidatorIndex, now: float | None = None
    ) -> list[Action]:
        """Blocks we asked for: insert those that check, then resume parked proposals."""
        self._set_time(now)
        return self.sync.on_block_response(response, sender)

    def on_blocks_inserted(self, blocks: list[Block]) -> list[Action]:
        """Certificates inside new blocks, parked proposals, and commits they enable."""
        actions: list[Action] = []
        for block in blocks:
            actions += self._process_qc(block.qc)
        for block in blocks:
            for proposal in self.sync.take_pending(block.id):
                actions += self._process_block(proposal)
        return actions + self._try_commit() + self._advance_round()

    def on_tick(self, now: float) -> list[Action]:
        """Time passed: time out of the round, or re-send our timeout, at the deadline."""
        self._set_time(now)
        actions = self._propose_if_due()
        if not self.pacemaker.is_expired(now):
            return actions
        if self.pacemaker.is_timed_out() and self.last_timeout is not None:
            deadline = self.pacemaker.process_local_timeout(now)
            resend = dataclasses.replace(self.last_timeout, tc=self.htc)
            return [Broadcast(resend), ScheduleTimeout(self.pacemaker.round, deadline)]
        return actions + self._local_timeout()

    def _propose_if_due(self) -> list[Action]:
        due = self.proposal_due
        if due is None or due[1] > self.now:
            return []
        self.proposal_due = None
        return self._propose(due[0]) if due[0] == self.pacemaker.round else []

    # -- proposals and votes --------------------------------------------------------------------

    def _process_block(self, proposal: Proposal) -> list[Action]:
        block = proposal.block
        parent = self.tree.blocks[block.parent_id]
        if get_proposal_leader(self.leaders, self.tree, proposal) != block.proposer:
            return []
        try:
            self.checker.check_block(block, parent)
        except InvalidBlock:
            return self.evidence.record(record_invalid_block(proposal, parent))
        self.tree.insert(block)
        actions = self.on_blocks_inserted([block])
        if block.round == self.pacemaker.round:
            actions += self._vote(proposal)
        return actions

    def _vote(self, proposal: Proposal) -> list[Action]:
        try:
            vote, is_new = self.safety.sign_vote(proposal.block, proposal.tc)
        except UnsafeVote:
            return []
        actions: list[Action] = [PersistSafety(self.safety.data)] if is_new else []
        next_leader = self.get_next_leader(proposal.block)
        if next_leader is None:  # unreachable: the block was just inserted with its ancestry
            return actions
        if next_leader == self.index:
            return actions + self.on_vote(vote)
        return [*actions, SendTo(next_leader, vote)]

    def _propose(self, round_: Round) -> list[Action]:
        parent = self.tree.get(self.tree.hqc.block_id)
        if parent is None or round_ <= self.safety.data.last_voted_round:
            return []
        if self.get_round_leader(round_) != self.index:
            return []
        body = self.payload_source(parent) if self.payload_source else BlockBody()
        root = self.checker.compute_post_root(parent, body.payload)
        evidence = self.evidence.get_for_proposal()
        block = make_block(self, round_, parent, root, body, evidence)
        signature = self.vset.scheme.sign(self._sk, block.header.signing_root)
        tc = self.htc if self.htc is not None and self.htc.round == round_ - 1 else None
        proposal = Proposal(block, signature, tc)
        return [Broadcast(proposal), *self.on_proposal(proposal)]

    # -- certificates, rounds and commits -------------------------------------------------------

    def _process_certificates(self, qc: QuorumCert | None, tc: TimeoutCert | None) -> list[Action]:
        actions: list[Action] = []
        if qc is not None:
            actions += self._process_qc(qc)
        if tc is not None and (self.htc is None or tc.round > self.htc.round):
            self.htc = tc
            actions += self._process_qc(tc.highest_qc)
        return actions + self._advance_round()

    def _process_qc(self, qc: QuorumCert) -> list[Action]:
        self.tree.observe_qc(qc)
        if self.tree.get_commit_target(qc) is None:
            return []
        best = self.best_commit_qc
        if best is None or qc.vote_data.parent_round > best.vote_data.parent_round:
            self.best_commit_qc = qc
        return self._try_commit()

    def _try_commit(self) -> list[Action]:
        qc = self.best_commit_qc
        target = None if qc is None else self.tree.get_commit_target(qc)
        if qc is None or target is None:
            return []
        try:
            if not self.tree.has(qc.block_id):
                raise MissingBlock(qc.block_id)
            path = self.tree.get_path_from_root(target)
        except MissingBlock as missing:
            return self.sync.request_block(
                missing.block_id, compute_sync_peer(qc, self.vset, self.index), None
            )
        self.tree.process_commit(path, qc)
        for block in path:
            self.leaders.on_commit(block)
            self.checker.on_commit(block)
            self.evidence.on_commit(block)
        return [Commit(tuple(path), qc)]

    def _advance_round(self) -> list[Action]:
        tc_round = self.htc.round if self.htc is not None else -1
        new_round = Round(max(self.tree.hqc.round, tc_round) + 1)
        via_tc = tc_round >= self.tree.hqc.round
        if not self.pacemaker.process_new_round(new_round, self.now, via_tc):
            return []
        self._prune_collectors(new_round)
        actions: list[Action] = [ScheduleTimeout(new_round, self.pacemaker.deadline)]
        if self.get_round_leader(new_round) in (self.index, None):
            at = self.pacemaker.get_proposal_time(self.vset.config.block_time)
            self.proposal_due = (new_round, at)
            self.pacemaker.deadline = at + self.pacemaker.get_duration()
            actions = [ScheduleTimeout(new_round, self.pacemaker.deadline)]
            actions += self._propose_if_due() or [ScheduleTimeout(new_round, at)]
        return actions

    def get_round_leader(self, round_: Round) -> ValidatorIndex | None:
        """Leader of ``round_`` entered from our certificates now (None: unknown to us)."""
        return get_entry_leader(self.leaders, self.tree, self.htc, round_)

    def get_next_leader(self, block: Block) -> ValidatorIndex | None:
        """Leader of the round after ``block`` for a block extending it (where votes on it go)."""
        return get_vote_recipient(self.leaders, self.tree, block)

    def _prune_collectors(self, new_round: Round) -> None:
        for table in (self.votes, self.timeouts):
            for old in [r for r in table if r + 2 < new_round]:
                del table[old]
        self.evidence.prune(new_round)

    # -- timeouts -------------------------------------------------------------------------------

    def _local_timeout(self) -> list[Action]:
        tc_round = Round(self.htc.round if self.htc is not None else 0)
        try:
            timeout = self.safety.sign_timeout(self.pacemaker.round, self.tree.hqc, tc_round)
        except UnsafeTimeout:
            return []
        deadline = self.pacemaker.process_local_timeout(self.now)
        timeout = dataclasses.replace(timeout, tc=self.htc)
        self.last_timeout = timeout
        actions: list[Action] = [PersistSafety(self.safety.data), Broadcast(timeout)]
        actions.append(ScheduleTimeout(self.pacemaker.round, deadline))
        return actions + self._collect_timeout(timeout)

    def _collect_timeout(self, timeout: Timeout) -> list[Action]:
        collector = self.timeouts.setdefault(
            timeout.round, TimeoutCollector(self.vset, timeout.round)
        )
        collector.add(timeout)
        actions: list[Action] = []
        is_current = timeout.round == self.pacemaker.round
        if is_current and collector.has_echo() and not self.pacemaker.is_timed_out():
            actions += self._local_timeout()
        tc = collector.get_tc()
        if tc is not None:
            actions += self._process_certificates(None, tc)
        return actions

    def _set_time(self, now: float | None) -> None:
        if now is not None:
            self.now = max(self.now, now)
