"""Invariants across epochs (with ``--epoch-length``), on top of :mod:`zkpov.sim.invariants`.

- ``epoch_membership``: no honest validator signs a vote or timeout in an epoch whose agreed set
  does not hold it;
- ``old_epoch_signature``: the epochs a validator signs in never go back, across restarts too
  (after a restart, no vote in an old epoch);
- ``safety_epoch_regression``: a node's persisted SafetyData epoch never goes back;
- certificates are verified against their own epoch's set, and the leader of a voted block
  against the epoch's election.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from zkpov.consensus.actions import Commit
from zkpov.consensus.epochs.proof import TrustedEpoch, verify_epoch_ending
from zkpov.consensus.leader import BlockLookup, LeaderElection
from zkpov.consensus.quorum import InvalidCertificate, verify_qc, verify_tc
from zkpov.errors import EpochChangeProofError
from zkpov.sim.chain_state import CanonicalChainState
from zkpov.sim.epoch_chain import CanonicalEpochs
from zkpov.sim.invariants import InvariantChecker
from zkpov.sim.node import SignedRecord, SimNode
from zkpov.sim.setup import World
from zkpov.spec.messages import Block, QuorumCert, TimeoutCert
from zkpov.spec.safety_data import SafetyData
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Epoch, NodeId, Round, ValidatorIndex

__all__ = ["EpochInvariantChecker", "FirstEpochReference", "build_invariants", "track_epochs"]

LeadersFactory = Callable[[ValidatorSet], LeaderElection]


class EpochInvariantChecker(InvariantChecker):
    """``epochs`` is the agreed log's epochs; ``make_leaders`` the election of each epoch."""

    epochs: CanonicalEpochs
    make_leaders: LeadersFactory

    def attach(self, epochs: CanonicalEpochs, make_leaders: LeadersFactory) -> None:
        self.epochs, self.make_leaders = epochs, make_leaders
        self.signed_epochs: dict[ValidatorIndex, Epoch] = {}
        self.safety_epochs: dict[NodeId, Epoch] = {}
        self.references: dict[Epoch, LeaderElection] = {}

    def check_records(self, node: SimNode, records: Iterable[SignedRecord]) -> None:
        records = list(records)
        for record in records:
            self._check_epoch(node, _get_record_epoch(record))
        super().check_records(node, records)

    def _check_epoch(self, node: SimNode, epoch: Epoch) -> None:
        start = self.epochs.starts.get(epoch)
        if start is not None and node.index not in start.set.members:
            self.report("epoch_membership", f"validator {node.index} signed in epoch {epoch}")
        last = self.signed_epochs.get(node.index, Epoch(0))
        if epoch < last:
            self.report("old_epoch_signature", f"validator {node.index} signed in {epoch} < {last}")
        self.signed_epochs[node.index] = max(last, epoch)

    def observe_persist(self, node: SimNode, data: SafetyData) -> None:
        last = self.safety_epochs.get(node.node_id, Epoch(0))
        if data.epoch < last:
            self.report(
                "safety_epoch_regression", f"node {node.node_id} persisted epoch {data.epoch}"
            )
        self.safety_epochs[node.node_id] = max(last, data.epoch)

    def check_two_chain(self, node: SimNode, commit: Commit) -> None:
        """A commit cut at a reconfiguration block is proven by its ending: the QC commits the
        last suffix block, which links back to it (verified as a proof verifier would)."""
        last = commit.blocks[-1]
        if not last.next_validator_set_commitment or node.manager is None:
            super().check_two_chain(node, commit)
            return
        endings = [e for e in node.manager.endings if e.block.id == last.id]
        start = self.epochs.starts.get(last.epoch)
        if not endings or start is None:
            self.report("two_chain_commit", f"node {node.node_id} ended an epoch without proof")
            return
        trusted = TrustedEpoch(start.vset, start.root.height)
        try:
            verify_epoch_ending(endings[-1], trusted, start.vset.scheme)
        except EpochChangeProofError as exc:
            self.report("two_chain_commit", f"node {node.node_id}: {exc}")

    def check_qc(self, qc: QuorumCert) -> None:
        start = self.epochs.starts.get(qc.vote_data.epoch)
        if start is None or qc.digest in self.checked_certificates:
            return
        self.checked_certificates.add(qc.digest)
        try:
            verify_qc(qc, start.vset, start.root_qc)
        except InvalidCertificate as exc:
            self.report("certificate_validity", str(exc))

    def check_tc(self, tc: TimeoutCert) -> None:
        start = self.epochs.starts.get(tc.epoch)
        key = (tc.epoch, tc.round, tc.signature)
        if start is None or key in self.checked_tcs:
            return
        self.checked_tcs.add(key)
        try:
            verify_tc(tc, start.vset, start.root_qc)
        except InvalidCertificate as exc:
            self.report("certificate_validity", str(exc))

    def _get_reference_leader(self, block: Block, parent: Block | None) -> ValidatorIndex | None:
        if block.epoch == 0:
            return super()._get_reference_leader(block, parent)
        start = self.epochs.starts.get(block.epoch)
        if start is None or parent is None:
            return None
        reference = self.references.get(block.epoch)
        if reference is None:
            reference = self.references[block.epoch] = self.make_leaders(start.vset)
        return reference.get_leader(block.round, parent, self.voted_blocks.get)


class FirstEpochReference:
    """The epoch-0 reference election, fed only epoch 0's commits (later blocks name their
    proposers by other sets' indices)."""

    def __init__(self, inner: LeaderElection) -> None:
        self.inner = inner

    def get_leader(
        self, round_: Round, tip: Block, lookup: BlockLookup | None = None
    ) -> ValidatorIndex:
        return self.inner.get_leader(round_, tip, lookup)

    def on_commit(self, block: Block) -> None:
        if block.epoch == 0:
            self.inner.on_commit(block)


def build_invariants(world: World) -> InvariantChecker:
    """The run's invariant checker: the epoch-aware one when epochs are on."""
    reference = world.make_leaders(prune=False)
    if world.first_epoch is None:
        return InvariantChecker(world.vset, world.genesis_qc, reference, world.genesis)
    return EpochInvariantChecker(
        world.vset, world.genesis_qc, FirstEpochReference(reference), world.genesis
    )


def track_epochs(
    world: World, chain: CanonicalChainState, invariants: InvariantChecker
) -> CanonicalEpochs | None:
    """With epochs on: the agreed log's epochs, hooked after the chain state."""
    first = world.first_epoch
    if first is None or not isinstance(invariants, EpochInvariantChecker):
        return None
    epochs = CanonicalEpochs(first, chain, invariants.report)
    invariants.attach(epochs, world.make_epoch_leaders)
    world.on_canonical_hooks.append(epochs.on_block)
    return epochs


def _get_record_epoch(record: SignedRecord) -> Epoch:
    if record.block is not None:
        return record.block.epoch
    return Epoch(getattr(record.message, "epoch", 0))
