"""One validator across epochs (sans-I/O): messages and time in, actions out.

The manager runs one :class:`~zkpov.consensus.core.ConsensusCore` per epoch. Members of the
epoch's set vote in it; every other validator runs it as an observer (it never signs) so that it
commits the same blocks and switches with everyone. Peers are named by **registry index** (their
place in the chain state's validator list, stable across epochs); the manager translates to and
from the epoch's consensus indices, so a driver's ``SendTo.to``, a message's sender and a
``RecordEvidence.offender`` are all registry indices.

Switch (Aptos-style): when a commit reaches the epoch's reconfiguration block R, the manager
cuts the commit at R (the suffix after it is never part of the log), records R's ending, and
returns, in order: the cut ``Commit``, ``PersistSafety`` of a fresh ``SafetyData`` for the new
epoch (the interpreter executes it before any vote of that epoch leaves), the new core's start
actions, and what the held next-epoch messages cause. Messages of past epochs are dropped;
those of the next epoch are held (:mod:`zkpov.consensus.epochs.buffer`). Each epoch's core is
built by :mod:`~zkpov.consensus.epochs.epoch_core`; where a commit reaches R and what ending and
next epoch it decides, by :mod:`~zkpov.consensus.epochs.endings`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from zkpov.chain.containers import ChainState, RegistryIndex
from zkpov.consensus.actions import Action, Broadcast, Commit, PersistSafety, SendTo
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.dispatch import dispatch_message
from zkpov.consensus.epochs.buffer import FutureEpochBuffer, HeldMessage
from zkpov.consensus.epochs.catchup import (
    ANSWER_INTERVAL_FACTOR,
    PeerEpochs,
    ProofAnswers,
    get_adoption_path,
)
from zkpov.consensus.epochs.checker import EpochChecker
from zkpov.consensus.epochs.context import ValidatorContext
from zkpov.consensus.epochs.endings import decide_ending, find_ending, get_ending_qc
from zkpov.consensus.epochs.epoch_core import build_epoch_core
from zkpov.consensus.epochs.proof import (
    EpochChangeProof,
    EpochChangeRequest,
    EpochEnding,
    TrustedEpoch,
    select_endings,
    verify_epoch_change_proof,
)
from zkpov.consensus.epochs.routing import (
    get_consensus_index,
    get_message_epoch,
    get_own_index,
    serve_block_request,
    to_registry,
)
from zkpov.consensus.epochs.starts import EpochStart, Recovered, start_next_epoch
from zkpov.consensus.recovery import RecoveryData, apply_recovery
from zkpov.errors import ZkpovError
from zkpov.spec.messages import Block, BlockRequest, BlockResponse, Message, QuorumCert
from zkpov.spec.safety_data import SafetyData
from zkpov.types import Epoch, ValidatorIndex

__all__ = ["EpochManager", "ValidatorContext"]  # ValidatorContext: from epochs.context


class EpochManager:
    """Validator ``context.me`` from ``recovered`` (``recover_epoch`` of its committed log)."""

    def __init__(
        self,
        context: ValidatorContext,
        recovered: Recovered,
        safety: SafetyData | None,
        *,
        root: tuple[Block, QuorumCert] | None = None,
        endings: Sequence[EpochEnding] = (),
        recovery: RecoveryData | None = None,
    ) -> None:
        """``recovery``: the certified chain above the root and the highest QC a driver saved
        (:mod:`zkpov.consensus.recovery`), restored into the first core if of its epoch."""
        self.context, self.recovered, self.stored_safety = context, recovered, safety
        self.start_root = root  # the committed root in the current epoch, if past its start
        self.epoch_start = recovered.start
        self.endings = list(endings)
        self.buffer = FutureEpochBuffer()
        self.next_start: EpochStart | None = None
        self.core: ConsensusCore | None = None
        self.retired: ConsensusCore | None = None
        self.checker: EpochChecker | None = None
        self.dropped_past = 0
        self.replayed = 0  # held next-epoch messages handed to the new core
        interval = ANSWER_INTERVAL_FACTOR * self.epoch_start.vset.config.timeout_base
        self.answers, self.requests_sent = ProofAnswers(interval), ProofAnswers(interval)
        self.proofs_checked = PeerEpochs()
        self.pending_ending: EpochEnding | None = None  # verified, its block not yet held
        self.recovery = recovery
        self.own_indices: dict[Epoch, ValidatorIndex] = {}  # the last two epochs entered

    @property
    def epoch(self) -> Epoch:
        return self.epoch_start.vset.epoch

    @property
    def is_member(self) -> bool:
        return self.context.me in self.epoch_start.set.members

    # -- inputs -----------------------------------------------------------------------------------

    def start(self, now: float) -> list[Action]:
        """Boot or restart into the recovered epoch (call once)."""
        root = self.start_root
        if root is None or root[0].height <= self.epoch_start.root.height:
            root = None
        return self._enter(self.stored_safety, now, root)

    def on_message(self, message: object, sender: RegistryIndex, now: float) -> list[Action]:
        """``sender`` is the authenticated peer; ``ZkpovError`` for input the core refuses."""
        if isinstance(message, EpochChangeProof):
            return self.on_epoch_change_proof(message, sender, now)
        if isinstance(message, EpochChangeRequest):
            return self._answer_past(message.epoch, sender, now)
        epoch = get_message_epoch(message)
        if epoch is not None and epoch != self.epoch:
            return self._hold(epoch, message, sender, now)
        core = self.core
        if core is None:
            return []
        if isinstance(message, BlockRequest):
            return serve_block_request((self.core, self.retired), message, sender)
        index = get_consensus_index(self.epoch_start.set.members, sender)
        if index is None:  # not in this epoch's set: nothing it signs or serves counts
            return []
        actions = self._process(dispatch_message(core, message, index, now), now)
        if isinstance(message, BlockResponse) and self.core is core:
            actions += self._try_adopt(sender, now)  # the ending block may have arrived
        return actions

    def on_epoch_change_proof(
        self, proof: EpochChangeProof, sender: RegistryIndex, now: float
    ) -> list[Action]:
        """A peer's proof that our epoch ended: its first ending is verified
        (``EpochChangeProofError``), then adopted once we hold its ending block, fetched from
        that peer if need be, again at each repeat (:mod:`zkpov.consensus.epochs.catchup`)."""
        ending = proof.endings[0] if proof.endings else None
        if self.core is None or ending is None or ending.block.epoch != self.epoch:
            return []
        if not self.proofs_checked.is_new(sender, self.epoch):  # one check per peer and epoch
            return self._try_adopt(sender, now) if ending == self.pending_ending else []
        start = self.epoch_start
        trusted = TrustedEpoch(start.vset, start.root.height)
        verify_epoch_change_proof(EpochChangeProof((ending,)), trusted, start.vset.scheme)
        self.pending_ending = ending
        return self._try_adopt(sender, now)

    def _try_adopt(self, sender: RegistryIndex, now: float) -> list[Action]:
        core, checker, ending = self.core, self.checker, self.pending_ending
        if core is None or checker is None or ending is None:
            return []
        adoption = get_adoption_path(core, checker, ending)
        if adoption is not None:
            return self._end_epoch(*adoption, ending, now)
        holder = get_consensus_index(self.epoch_start.set.members, sender)
        if holder is None or core.tree.has(ending.block.id):
            return []
        return self._process(core.sync.request_block(ending.block.id, [holder], None, now), now)

    def on_tick(self, now: float) -> list[Action]:
        return [] if self.core is None else self._process(self.core.on_tick(now), now)

    def get_epoch_change_proof(self, from_epoch: Epoch) -> EpochChangeProof | None:
        """Endings of ``from_epoch`` on, at most ``MAX_EPOCH_CHANGE_PROOF_LENGTH`` of them."""
        return select_endings(self.endings, from_epoch)

    def get_signing_index(self, epoch: Epoch) -> ValidatorIndex | None:
        """Our consensus index in ``epoch`` (the current or the one just left), None if we are
        not a member: what names our own votes, timeouts and proposals of that epoch."""
        return self.own_indices.get(epoch)

    def get_ending_qc(self, ending: EpochEnding) -> QuorumCert | None:
        """The QC certifying ``ending``'s R, from the ending or the block a core holds."""
        return get_ending_qc(ending, (self.retired, self.core))

    @property
    def root(self) -> tuple[Block, QuorumCert] | None:
        """The current core's committed root and its QC (what a driver persists)."""
        core = self.core
        return None if core is None else (core.tree.root, core.tree.root_qc)

    # -- epochs -----------------------------------------------------------------------------------

    def _hold(
        self, epoch: Epoch, message: object, sender: RegistryIndex, now: float
    ) -> list[Action]:
        if epoch < self.epoch:
            self.dropped_past += 1
            return self._answer_past(epoch, sender, now)
        if epoch == self.epoch + 1:
            self.buffer.add(HeldMessage(epoch, sender, message, now))
        if not self.requests_sent.is_due(sender, now):
            return []
        return [SendTo(ValidatorIndex(sender), cast(Message, EpochChangeRequest(self.epoch)))]

    def _answer_past(self, epoch: Epoch, sender: RegistryIndex, now: float) -> list[Action]:
        """A peer still in ``epoch``: send it how that epoch ended (rate-limited per peer)."""
        if epoch >= self.epoch or not self.answers.is_due(sender, now):
            return []
        proof = self.get_epoch_change_proof(epoch)
        if proof is None:
            return []
        return [SendTo(ValidatorIndex(sender), cast(Message, proof))]  # drivers route it as is

    def _enter(
        self, stored: SafetyData | None, now: float, root: tuple[Block, QuorumCert] | None
    ) -> list[Action]:
        """Build and start this epoch's core: fresh safety data first if the stored one is
        older; none at all if it is newer (we signed in a later epoch: stay silent)."""
        epoch, actions = self.epoch, list[Action]()
        if stored is None or stored.epoch < epoch:
            stored = SafetyData(epoch)
            actions.append(PersistSafety(stored))
        if stored.epoch > epoch:
            self.core = None
            return actions
        start, context = self.epoch_start, self.context
        self.core, self.checker = build_epoch_core(context, start, self.recovered, stored, root)
        self._note_own_index()
        self._restore(self.core)
        actions += self._process(self.core.start(now), now)
        return actions + self._replay(now)

    def _note_own_index(self) -> None:
        if self.is_member:
            own = get_own_index(self.epoch_start.set.members, self.context.me)
            self.own_indices[self.epoch] = own
        for old in [e for e in self.own_indices if e < self.epoch - 1]:
            del self.own_indices[old]

    def _restore(self, core: ConsensusCore) -> None:
        """The saved recovery data, once, if it belongs to this epoch."""
        data, self.recovery = self.recovery, None
        if data is not None and data.hqc is not None and data.hqc.vote_data.epoch == self.epoch:
            apply_recovery(core, data)

    def _replay(self, now: float) -> list[Action]:
        """Held messages of the epoch just entered; ones that fail are peers' faults, dropped."""
        actions: list[Action] = []
        for held in self.buffer.take(self.epoch, now):
            self.replayed += 1
            try:
                actions += self.on_message(held.message, held.sender, now)
            except ZkpovError:
                continue
        return actions

    def _process(self, actions: list[Action], now: float) -> list[Action]:
        """Translate the core's actions; at the commit of R, the old epoch's other actions
        (the proposal carrying the QC that commits R, which peers need) go out first."""
        out: list[Action] = []
        ending: tuple[Commit, int] | None = None
        window = self.epoch_start.window
        for action in actions:
            at = find_ending(window, action) if isinstance(action, Commit) else None
            if isinstance(action, Commit) and at is not None and ending is None:
                ending = (Commit(action.blocks[: at + 1], action.commit_qc), at)
                out.append(ending[0])
                self._record_ending(action, at)
                continue
            translated = to_registry(action, self.epoch_start.set.members)
            if translated is not None and not (ending and isinstance(action, Commit)):
                out.append(translated)
        return out if ending is None else out + self._switch(now)

    def _record_ending(self, commit: Commit, at: int) -> None:
        """The core committed R (``commit.blocks[at]``): the next epoch is decided."""
        ending, self.next_start = decide_ending(commit, at, self.checker, self.epoch_start)
        self.endings.append(ending)

    def _end_epoch(
        self, path: list[Block], state: ChainState, ending: EpochEnding, now: float
    ) -> list[Action]:
        """Commit ``path`` (up to R) on a verified proof's ending and switch."""
        vset = self.epoch_start.vset
        self.next_start = start_next_epoch(ending.block, state, vset.scheme, vset.config)
        self.endings.append(ending)
        return [Commit(tuple(path), ending.commit_qc), *self._switch(now)]

    def _switch(self, now: float) -> list[Action]:
        """Tell every peer how the epoch ended (those still in it switch on it), then enter
        the decided next epoch with fresh safety data."""
        if self.next_start is None:
            raise RuntimeError("no next epoch decided")
        announce = Broadcast(cast(Message, EpochChangeProof((self.endings[-1],))))
        self.epoch_start, self.next_start = self.next_start, None
        self.pending_ending = None
        self.retired = self.core  # kept for block requests only, until the next switch
        return [announce, *self._enter(None, now, None)]
