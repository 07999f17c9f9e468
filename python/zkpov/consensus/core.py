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
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from zkpov.consensus import limits
from zkpov.consensus.actions import (
    Action,
    Broadcast,
    Commit,
    PersistSafety,
    ScheduleTimeout,
    SendTo,
)
from zkpov.consensus.block_tree import BlockTree, MissingBlock
from zkpov.consensus.evidence_check import select_evidence
from zkpov.consensus.evidence_pool import EvidencePool
from zkpov.consensus.leader import LeaderElection
from zkpov.consensus.pacemaker import Pacemaker
from zkpov.consensus.proposals import (
    BlockBody,
    InvalidProposal,
    ProposerContext,
    check_parent_link,
    check_proposal_shape,
    check_proposal_signatures,
    check_timestamp_drift,
    make_block,
)
from zkpov.consensus.quorum import (
    InvalidVote,
    TimeoutCollector,
    VoteCollector,
    verify_qc,
    verify_timeout,
)
from zkpov.consensus.round_leaders import (
    get_entry_leader,
    get_proposal_leader,
    get_vote_recipient,
)
from zkpov.consensus.safety import SafetyRules, UnsafeTimeout, UnsafeVote
from zkpov.consensus.sync import BlockSync, compute_holders
from zkpov.consensus.tc_gate import TcGate
from zkpov.consensus.validity import ValidityChecker
from zkpov.errors import ZkpovError
from zkpov.spec.evidence import DoubleVote, make_invalid_block_evidence
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
from zkpov.spec.payload import InvalidBlock
from zkpov.spec.safety_data import SafetyData
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Round, ValidatorIndex

__all__ = ["BlockBody", "BlockSealer", "ConsensusCore", "CoreFault", "PayloadSource"]

PayloadSource = Callable[[Block], BlockBody]
BlockSealer = Callable[[Block, Block], Block]  # (block, parent) -> the block the leader signs


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
        self.leaders, self.checker, self.payload_source = leaders, checker, payload_source
        self.tree = BlockTree(root, root_qc)
        self.pacemaker = Pacemaker(vset.config.timeout_base, root_qc.round)
        self.htc: TimeoutCert | None = None
        self.votes: dict[Round, VoteCollector] = {}
        self.timeouts: dict[Round, TimeoutCollector] = {}
        self.evidence = EvidencePool()
        self.best_commit_qc: QuorumCert | None = None
        self.last_timeout: Timeout | None = None
        self.last_proposal: Proposal | None = None
        self.tc_gate = TcGate(vset)
        self.randao_reveal = vset.scheme.sign(sk, compute_randao_signing_root(vset.epoch))
        self.now = 0.0
        self.proposal_due: tuple[Round, float] | None = None
        self.sync = BlockSync(self.tree, vset, checker, index, vset.config.timeout_base)

    # -- inputs ---------------------------------------------------------------------------------

    def start(self, now: float) -> list[Action]:
        """Enter the first round after the root (call once, at boot or restart)."""
        self.now = now
        return self._guard(self._advance_round)

    def on_proposal(self, proposal: Proposal, now: float | None = None) -> list[Action]:
        """Check a proposal (cheap checks first), then process its certificates and vote."""
        self._set_time(now)
        block = proposal.block
        check_proposal_shape(proposal, self.vset, has_epochs=self.sealer is not None)
        check_timestamp_drift(block, self.wall_ms)
        if self._is_stale(block):
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
        """Verify a timeout; echo at > 1/3 of the stake; form a TC at > 2/3."""
        self._set_time(now)
        if timeout.round < self.pacemaker.round:
            return []
        verify_timeout(timeout, self.vset, self.tree.root_qc)
        root_qc, current = self.tree.root_qc, self.pacemaker.round
        tc = self.tc_gate.check_timeout_tc(timeout, self.htc, root_qc, current)
        return self._guard(self._apply_timeout, timeout, tc)

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
                actions += self._process_block(proposal)
        return actions + self._try_commit() + self._advance_round() + self._propose_if_due()

    def on_tick(self, now: float) -> list[Action]:
        """Time passed: propose when due, retry syncs, retransmit, time out at the deadline."""
        self._set_time(now)
        return self._guard(self._apply_tick)

    # -- validation helpers (no mutation beyond bounded bookkeeping) ----------------------------

    def _is_stale(self, block: Block) -> bool:
        """Nothing to learn: at or below the root, or extending a block that cannot commit."""
        root = self.tree.root
        if block.height <= root.height or block.qc.round < root.round:
            return True
        return self.tree.has(block.parent_id) and not self.tree.is_extendable(block.parent_id)

    def _is_in_window(self, round_: Round) -> bool:
        return round_ <= self.pacemaker.round + limits.FUTURE_ROUND_WINDOW

    def _guard(self, apply: Callable[..., list[Action]], *args: Any) -> list[Action]:
        try:
            return apply(*args)
        except ZkpovError as exc:
            raise CoreFault(f"{apply.__name__} failed after changing the core: {exc}") from exc

    # -- proposals and votes --------------------------------------------------------------------

    def _apply_proposal(self, proposal: Proposal) -> list[Action]:
        block = proposal.block
        actions = self._process_certificates(block.qc, proposal.tc)
        if not self._is_in_window(block.round) or self._is_stale(block):
            return actions  # our own round moved on meanwhile (a commit, a TC)
        actions += self.evidence.on_proposal(proposal)
        if not self.tree.is_extendable(block.parent_id):
            holders = compute_holders(block.qc, len(self.vset), block.proposer)
            return actions + self.sync.request_block(block.parent_id, holders, proposal, self.now)
        return actions + self._process_block(proposal)

    def _process_block(self, proposal: Proposal) -> list[Action]:
        block = proposal.block
        if self.tree.has(block.id):
            return self._vote_if_due(proposal)
        if not self._is_insertable_proposal(block):
            return []
        parent = self.tree.blocks[block.parent_id]
        try:
            self.checker.check_block(block, parent)
        except InvalidBlock:
            return self.evidence.record(make_invalid_block_evidence(proposal, parent))
        self.tree.insert(block)
        actions = self.on_blocks_inserted([block])
        if block.round == self.pacemaker.round:
            actions += self._vote(proposal)
        return actions

    def _is_insertable_proposal(self, block: Block) -> bool:
        """On an extendable parent, by the round's leader, and not past the cap on one leader's
        blocks in one round (an equivocating leader cannot fill our memory)."""
        parent = self.tree.get(block.parent_id)
        if parent is None or not self.tree.is_extendable(parent.id):
            return False
        if block.height != parent.height + 1 or block.qc.round != parent.round:
            return False
        if block.timestamp_ms <= parent.timestamp_ms:
            return False
        if get_proposal_leader(self.leaders, self.tree, block) != block.proposer:
            return False
        same_height = (self.tree.blocks[i] for i in self.tree.by_height.get(block.height, ()))
        twins = sum(b.round == block.round and b.proposer == block.proposer for b in same_height)
        return twins < limits.MAX_BLOCKS_PER_LEADER_ROUND

    def _vote_if_due(self, proposal: Proposal) -> list[Action]:
        """A block we hold (restored at restart, or synced) but have not voted on yet."""
        last = self.safety.data.last_vote
        is_due = proposal.block.round == self.pacemaker.round
        return (
            self._vote(proposal)
            if is_due and (last is None or last.round < self.pacemaker.round)
            else []
        )

    def _vote(self, proposal: Proposal) -> list[Action]:
        block = proposal.block
        tc = proposal.tc or self._get_justifying_tc(block.round)
        try:
            vote, is_new = self.safety.sign_vote(block, tc)
        except UnsafeVote:
            return []
        actions: list[Action] = [PersistSafety(self.safety.data)] if is_new else []
        next_leader = self.get_next_leader(block)
        return actions if next_leader is None else [*actions, SendTo(next_leader, vote)]

    def _apply_vote(self, qc: QuorumCert | None, double: tuple[Vote, Vote] | None) -> list[Action]:
        actions = [] if double is None else self.evidence.record(DoubleVote(*double))
        return actions + ([] if qc is None else self._process_certificates(qc, None))

    def _propose(self, round_: Round) -> list[Action]:
        parent = self.tree.get(self.tree.hqc.block_id)
        data = self.safety.data
        if parent is None or round_ <= max(data.last_voted_round, data.last_proposed_round):
            return []
        if self.get_round_leader(round_) != self.index:
            return []
        body = self.payload_source(parent) if self.payload_source else BlockBody()
        root = self.checker.compute_post_root(parent, body.payload)
        evidence = select_evidence(self.checker, parent, round_, tuple(self.evidence.pending))
        context = ProposerContext(
            self.vset.epoch, self.index, self.randao_reveal, self.tree.hqc,
            self.vset.commitment, self.wall_ms,
        )  # fmt: skip
        block = make_block(context, round_, parent, root, body, evidence)
        if self.sealer is not None:
            block = self.sealer(block, parent)
        staking_root = self.checker.compute_staking_root(block, parent)
        block = dataclasses.replace(block, staking_root=staking_root)
        signature = self.safety.sign_proposal(round_, block.header.signing_root)
        proposal = Proposal(block, signature, self._get_justifying_tc(round_))
        self.last_proposal = proposal
        actions: list[Action] = [PersistSafety(self.safety.data), Broadcast(proposal)]
        return actions + self._apply_proposal(proposal)

    def _propose_if_due(self) -> list[Action]:
        """Propose once the pacing time came, as soon as we hold the block to extend (a QC
        formed from votes can arrive before the block it certifies)."""
        due = self.proposal_due
        if due is None or due[1] > self.now:
            return []
        if due[0] == self.pacemaker.round and not self.tree.has(self.tree.hqc.block_id):
            return []
        self.proposal_due = None
        return self._propose(due[0]) if due[0] == self.pacemaker.round else []

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
            holders = compute_holders(qc, len(self.vset))
            return self.sync.request_block(missing.block_id, holders, None, self.now)
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
        start, due = self.now, []
        if self.get_round_leader(new_round) in (self.index, None):
            start = self.pacemaker.get_proposal_time(self.vset.config.block_time)
            self.proposal_due = (new_round, start)
            self.pacemaker.deadline = start + self.pacemaker.get_duration()
            due = self._propose_if_due() or [ScheduleTimeout(new_round, start)]
        retransmit = self.pacemaker.schedule_retransmit(start, self.vset.config.block_time)
        actions: list[Action] = [ScheduleTimeout(new_round, self.pacemaker.deadline)]
        if retransmit != float("inf"):
            actions.append(ScheduleTimeout(new_round, retransmit))
        return actions + due

    def get_round_leader(self, round_: Round) -> ValidatorIndex | None:
        """Leader of ``round_`` for a block extending our highest certified block."""
        return get_entry_leader(self.leaders, self.tree, round_)

    def get_next_leader(self, block: Block) -> ValidatorIndex | None:
        """Leader of the round after ``block`` for a block extending it (where votes on it go)."""
        return get_vote_recipient(self.leaders, self.tree, block)

    def _get_justifying_tc(self, round_: Round) -> TimeoutCert | None:
        """Our TC for ``round_ - 1`` (the only TC worth attaching to a message of ``round_``)."""
        htc = self.htc
        return htc if htc is not None and htc.round + 1 == round_ else None

    def _prune_collectors(self, new_round: Round) -> None:
        for table in (self.votes, self.timeouts):
            for old in [r for r in table if r + 2 < new_round]:
                del table[old]
        self.tc_gate.prune(new_round)
        self.evidence.prune(new_round)

    # -- timeouts and retransmission ------------------------------------------------------------

    def _apply_tick(self) -> list[Action]:
        actions = self._propose_if_due() + self.sync.on_tick(self.now)
        if self.pacemaker.is_retransmit_due(self.now):
            actions += self._retransmit()
        if not self.pacemaker.is_expired(self.now):
            return actions
        if self.pacemaker.is_timed_out() and self.last_timeout is not None:
            deadline = self.pacemaker.process_local_timeout(self.now)
            tc = self._get_justifying_tc(self.last_timeout.round)
            resend = dataclasses.replace(self.last_timeout, tc=tc)
            schedule = ScheduleTimeout(self.pacemaker.round, deadline)
            return [*actions, Broadcast(resend), *self._resend_vote(), schedule]
        return actions + self._local_timeout()

    def _retransmit(self) -> list[Action]:
        """Re-send this round's proposal (as its leader) and vote, which may have been lost."""
        proposal = self.last_proposal
        mine = proposal is not None and proposal.block.round == self.pacemaker.round
        return ([Broadcast(proposal)] if mine and proposal else []) + self._resend_vote()

    def _resend_vote(self) -> list[Action]:
        vote = self.safety.data.last_vote
        if vote is None or vote.round != self.pacemaker.round:
            return []
        block = self.tree.get(vote.vote_data.block_id)
        leader = None if block is None else self.get_next_leader(block)
        return [] if leader is None or leader == self.index else [SendTo(leader, vote)]

    def _apply_timeout(self, timeout: Timeout, tc: TimeoutCert | None) -> list[Action]:
        actions = self._process_certificates(timeout.hqc, tc)
        if timeout.round < self.pacemaker.round or not self._is_in_window(timeout.round):
            return actions
        return actions + self._collect_timeout(timeout)

    def _local_timeout(self) -> list[Action]:
        tc_round = Round(self.htc.round if self.htc is not None else 0)
        try:
            timeout = self.safety.sign_timeout(self.pacemaker.round, self.tree.hqc, tc_round)
        except UnsafeTimeout:
            return []
        deadline = self.pacemaker.process_local_timeout(self.now)
        timeout = dataclasses.replace(timeout, tc=self._get_justifying_tc(timeout.round))
        self.last_timeout = timeout
        actions: list[Action] = [PersistSafety(self.safety.data), Broadcast(timeout)]
        actions += [*self._resend_vote(), ScheduleTimeout(self.pacemaker.round, deadline)]
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
