"""Invariants (docs/design.md, "Simulator and attacks"), checked after every simulator step.

Each check recomputes its rule from the signed messages and certificates themselves, not from the
core's own bookkeeping, so a core that breaks a rule is caught. Violations are strings; a run
collects them all (the first of each kind, and a count).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from zkpov.consensus.actions import Commit
from zkpov.consensus.block_tree import MissingBlock
from zkpov.consensus.leader import LeaderElection
from zkpov.consensus.quorum import InvalidCertificate, verify_qc, verify_tc
from zkpov.consensus.safety import is_safe_to_timeout, is_safe_to_vote
from zkpov.sim.node import SignedRecord, SimNode
from zkpov.spec.messages import Block, QuorumCert, TimeoutCert, Vote
from zkpov.spec.safety_data import SafetyData
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BlockId, Epoch, NodeId, Round, ValidatorIndex

__all__ = ["InvariantChecker"]


class InvariantChecker:
    """Global observer of honest behaviour, commits and certificates."""

    def __init__(
        self,
        vset: ValidatorSet,
        root_qc: QuorumCert,
        reference: LeaderElection,
        root: Block | None = None,
    ) -> None:
        self.vset = vset
        self.root_qc = root_qc
        self.reference = reference
        self.canonical: list[BlockId] = []
        self.violations: list[str] = []
        self.counts: Counter[str] = Counter()
        # keyed by epoch too: each epoch's core runs its own rounds and safety data
        self.signed_rounds: dict[tuple[ValidatorIndex, Epoch, Round], BlockId] = {}
        self.last_signed: dict[tuple[ValidatorIndex, Epoch], Round] = {}
        self.round_proposers: dict[tuple[Epoch, Round, BlockId], ValidatorIndex] = {}
        self.voted_blocks: dict[BlockId, Block] = {} if root is None else {root.id: root}
        self.rounds: dict[tuple[NodeId, int, Epoch], Round] = {}
        self.checked_certificates: set[bytes] = set()
        self.checked_tcs: set[tuple[int, int, bytes]] = set()
        self.all_votes: dict[tuple[ValidatorIndex, Round], Vote] = {}
        self.forensic_offenders: set[ValidatorIndex] = set()
        self.evidence_offenders: set[ValidatorIndex] = set()

    def report(self, kind: str, detail: str) -> None:
        self.counts[kind] += 1
        if self.counts[kind] == 1:
            self.violations.append(f"{kind}: {detail}")

    # -- signatures by honest validators ---------------------------------------------------------

    def check_records(self, node: SimNode, records: Iterable[SignedRecord]) -> None:
        for record in records:
            if record.kind == "vote":
                self._check_vote(node, record)
            else:
                self._check_timeout(node, record)

    def _check_vote(self, node: SimNode, record: SignedRecord) -> None:
        block = record.block
        if block is None:
            return
        key = (node.index, block.epoch, block.round)
        previous = self.signed_rounds.setdefault(key, block.id)
        if previous != block.id:
            self.report(
                "one_vote_per_round", f"validator {node.index} voted twice in {block.round}"
            )
        signer = (node.index, block.epoch)
        if block.round <= self.last_signed.get(signer, Round(-1)) and previous == block.id:
            self.report("vote_rule", f"validator {node.index} voted in non-increasing round")
        if not is_safe_to_vote(block.round, block.qc.round, record.tc):
            self.report("vote_rule", f"validator {node.index} voted unsafely in {block.round}")
        self.last_signed[signer] = Round(max(self.last_signed.get(signer, 0), block.round))
        self._check_leader(block, record.tc)

    def _check_timeout(self, node: SimNode, record: SignedRecord) -> None:
        hqc_round = record.hqc.round if record.hqc is not None else Round(0)
        if not is_safe_to_timeout(
            record.round, hqc_round, record.tc_round, record.one_chain_before
        ):
            self.report(
                "timeout_rule", f"validator {node.index} timed out unsafely in {record.round}"
            )
        signer = (node.index, Epoch(getattr(record.message, "epoch", 0)))
        if record.round < self.last_signed.get(signer, Round(-1)):
            self.report("timeout_rule", f"validator {node.index} timed out below its last vote")
        self.last_signed[signer] = Round(max(self.last_signed.get(signer, 0), record.round))

    def _check_leader(self, block: Block, tc: TimeoutCert | None) -> None:
        """The proposer of a block an honest node voted for is the reference's leader for that
        round along its parent's chain; one leader per (round, parent)."""
        self.voted_blocks.setdefault(block.id, block)
        parent = self.voted_blocks.get(block.parent_id)
        key = (block.epoch, block.round, block.parent_id)
        if self.round_proposers.setdefault(key, block.proposer) != block.proposer:
            self.report("leader_determinism", f"two leaders accepted in round {block.round}")
        if self._get_reference_leader(block, parent) != block.proposer:
            self.report("leader_determinism", f"round {block.round} leader differs from reference")

    def _get_reference_leader(self, block: Block, parent: Block | None) -> ValidatorIndex | None:
        """The reference's leader along ``parent``'s chain; None if no leader can be known (an
        ancestor no honest node voted for or committed)."""
        if parent is None:
            return None
        try:
            return self.reference.get_leader(block.round, parent, self.voted_blocks.get)
        except MissingBlock:
            return None

    # -- commits ---------------------------------------------------------------------------------

    def check_commit(self, node: SimNode, commit: Commit, previous_height: int) -> None:
        self.check_two_chain(node, commit)
        for offset, block in enumerate(commit.blocks):
            if block.height != previous_height + offset + 1:
                self.report(
                    "irreversible_finality",
                    f"node {node.node_id} re-committed height {block.height}",
                )
            self._check_agreement(node, block)

    def check_two_chain(self, node: SimNode, commit: Commit) -> None:
        """The commit QC certifies a child of the last committed block, one round above it."""
        data = commit.commit_qc.vote_data
        if data.round != data.parent_round + 1 or data.parent_id != commit.blocks[-1].id:
            self.report("two_chain_commit", f"node {node.node_id} committed without a 2-chain")
        self.check_qc(commit.commit_qc)

    def _check_agreement(self, node: SimNode, block: Block) -> None:
        height = block.height
        if height == len(self.canonical) + 1:
            self.canonical.append(block.id)
            self.voted_blocks.setdefault(block.id, block)
            self.reference.on_commit(block)
        elif height <= len(self.canonical) and self.canonical[height - 1] != block.id:
            self.report(
                "agreement", f"node {node.node_id} committed a conflicting block at {height}"
            )
            self._check_accountability()

    def _check_accountability(self) -> None:
        offenders = self.forensic_offenders | self.evidence_offenders
        if self.vset.get_power(offenders) * 3 <= self.vset.total_stake:
            self.report("accountability", "safety violated without evidence against > 1/3 stake")

    # -- certificates, rounds, forensics ----------------------------------------------------------

    def check_qc(self, qc: QuorumCert) -> None:
        if qc.digest in self.checked_certificates:
            return
        self.checked_certificates.add(qc.digest)
        try:
            verify_qc(qc, self.vset, self.root_qc)
        except InvalidCertificate as exc:
            self.report("certificate_validity", str(exc))

    def check_tc(self, tc: TimeoutCert) -> None:
        """A TC an honest node adopted: more than 2/3 of the stake, valid signatures."""
        key = (tc.epoch, tc.round, tc.signature)
        if key in self.checked_tcs:
            return
        self.checked_tcs.add(key)
        try:
            verify_tc(tc, self.vset, self.root_qc)
        except InvalidCertificate as exc:
            self.report("certificate_validity", str(exc))

    def check_round(self, node: SimNode) -> None:
        if node.core is None:
            return
        key = (node.node_id, node.lives, node.core.vset.epoch)  # rounds restart each epoch
        current = node.core.pacemaker.round
        if current < self.rounds.get(key, Round(-1)):
            self.report("round_monotonicity", f"node {node.node_id} went back to round {current}")
        self.rounds[key] = current

    def observe_vote(self, vote: Vote) -> None:
        """Every vote on the wire, honest or not: double votes are forensic evidence."""
        first = self.all_votes.setdefault((vote.voter, vote.round), vote)
        if first.vote_data.block_id != vote.vote_data.block_id:
            self.forensic_offenders.add(vote.voter)

    def observe_evidence(self, offender: ValidatorIndex) -> None:
        self.evidence_offenders.add(offender)

    def observe_persist(self, node: SimNode, data: SafetyData) -> None:
        """Safety data ``node`` persisted (checked across epochs: sim/epoch_invariants.py)."""
