"""Certificates: verifying QCs and TCs, and collecting votes and timeouts by stake.

Vote collection is optimistic: votes are stored unverified; once they carry a quorum of stake they
are aggregated and verified with one pairing check. If that fails, each vote not yet verified is
checked alone, the bad ones are dropped, and collection goes on. A vote counts towards a QC only
through a verified aggregate. Timeouts are verified on arrival (each carries a QC).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from zkpov.constants import BLS_SIGNATURE_LENGTH
from zkpov.errors import DecodeError, VotingError
from zkpov.spec.encoding import compute_bitfield, get_bitfield_indices
from zkpov.spec.messages import QuorumCert, Timeout, TimeoutCert, Vote, VoteData
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Round, ValidatorIndex

__all__ = [
    "InvalidCertificate",
    "InvalidTimeout",
    "InvalidVote",
    "TimeoutCollector",
    "VoteCollector",
    "verify_qc",
    "verify_tc",
    "verify_timeout",
    "verify_vote",
]

Slot = tuple[Round, ValidatorIndex]

_MAX_VOTES_PER_SLOT = 2  # a voter's first vote of a round, plus one for another block (evidence)


class InvalidVote(VotingError):
    """A vote that is not signed by its claimed voter, or not from this epoch's set."""


class InvalidTimeout(VotingError):
    """A timeout whose signature or QC does not check."""


class InvalidCertificate(VotingError):
    """A QC or TC without a valid quorum of distinct signers."""


def verify_qc(qc: QuorumCert, vset: ValidatorSet, trusted: QuorumCert | None = None) -> None:
    """Check ``qc``: epoch, signers carry a quorum, aggregate signature valid.

    ``trusted`` is the QC of the node's committed root. It is accepted as is, and so, after the
    epoch check alone, is any QC of a lower round: such a QC can neither raise the highest QC nor
    commit anything. (A restarted node's root is not genesis, yet old timeouts and TCs still carry
    the unsigned genesis QC: round 0, no signers, empty signature.)
    """
    if trusted is not None and qc == trusted:
        return
    if qc.vote_data.epoch != vset.epoch:
        raise InvalidCertificate(f"QC for epoch {qc.vote_data.epoch}, expected {vset.epoch}")
    if trusted is not None and qc.round < trusted.round:
        return
    try:
        indices = get_bitfield_indices(qc.signers, len(vset))
    except DecodeError as exc:
        raise InvalidCertificate(f"QC signer bitfield: {exc}") from exc
    power = vset.get_signers_power(qc.signers, indices)
    if power < vset.quorum_power:
        raise InvalidCertificate(f"QC for round {qc.round} lacks a quorum of stake")
    if not vset.keyring.fast_aggregate_verify(indices, qc.vote_data.signing_root, qc.signature):
        raise InvalidCertificate(f"QC for round {qc.round} has an invalid aggregate signature")
    vset.remember_signers_power(qc.signers, power)


def verify_tc(tc: TimeoutCert, vset: ValidatorSet, trusted: QuorumCert | None = None) -> None:
    """Check ``tc``: distinct signers with a quorum, highest QC valid, aggregate signature valid."""
    if tc.epoch != vset.epoch or tc.highest_qc.vote_data.epoch != vset.epoch:
        raise InvalidCertificate(f"TC for epoch {tc.epoch}, expected {vset.epoch}")
    if len(tc.signers) != len(tc.hqc_rounds) or len(set(tc.signers)) != len(tc.signers):
        raise InvalidCertificate("TC signers must be distinct and match their hqc rounds")
    if not all(vset.is_member(i) for i in tc.signers) or not tc.signers:
        raise InvalidCertificate("TC names a signer outside the validator set")
    if vset.get_power(tc.signers) < vset.quorum_power:
        raise InvalidCertificate(f"TC for round {tc.round} lacks a quorum of stake")
    if tc.highest_qc.round != tc.highest_hqc_round or tc.highest_hqc_round >= tc.round:
        raise InvalidCertificate("TC's highest QC does not match its reported rounds")
    verify_qc(tc.highest_qc, vset, trusted)
    groups = compute_timeout_groups(tc.epoch, tc.round, tc.signers, tc.hqc_rounds)
    if not vset.keyring.aggregate_verify_groups(groups, tc.signature):
        raise InvalidCertificate(f"TC for round {tc.round} has an invalid aggregate signature")


def compute_timeout_groups(
    epoch: int, round_: int, signers: Sequence[int], hqc_rounds: Sequence[int]
) -> list[tuple[list[int], bytes]]:
    """Signers grouped by the message they signed (one message per distinct hqc round)."""
    from zkpov.spec.messages import compute_timeout_signing_root
    from zkpov.types import Epoch

    by_round: dict[int, list[int]] = defaultdict(list)
    for signer, hqc_round in zip(signers, hqc_rounds, strict=True):
        by_round[hqc_round].append(signer)
    return [
        (ids, compute_timeout_signing_root(Epoch(epoch), Round(round_), Round(hqc_round)))
        for hqc_round, ids in sorted(by_round.items())
    ]


def verify_vote(vote: Vote, vset: ValidatorSet) -> None:
    """Check one vote's signature (``InvalidVote``)."""
    if vote.vote_data.epoch != vset.epoch or not vset.is_member(vote.voter):
        raise InvalidVote(f"vote from {vote.voter} is not from epoch {vset.epoch}'s set")
    if not vset.keyring.verify(vote.voter, vote.vote_data.signing_root, vote.signature):
        raise InvalidVote(f"vote from {vote.voter} in round {vote.round} has a bad signature")


def verify_timeout(timeout: Timeout, vset: ValidatorSet, trusted: QuorumCert | None) -> None:
    """Check a timeout's signer, signature and QC (``InvalidTimeout``)."""
    if timeout.epoch != vset.epoch or not vset.is_member(timeout.signer):
        raise InvalidTimeout(f"timeout from {timeout.signer} is not from epoch {vset.epoch}")
    if timeout.hqc.round >= timeout.round:
        raise InvalidTimeout("a timeout's QC must be older than its round")
    if not vset.keyring.verify(timeout.signer, timeout.signing_root, timeout.signature):
        raise InvalidTimeout(f"timeout from {timeout.signer} has a bad signature")
    try:
        verify_qc(timeout.hqc, vset, trusted)
    except InvalidCertificate as exc:
        raise InvalidTimeout(f"timeout from {timeout.signer}: {exc}") from exc


class VoteCollector:
    """Votes grouped by VoteData; forms a QC once the votes on one VoteData carry a quorum.

    Votes are stored unverified and aggregated optimistically (one pairing check). If that check
    fails, each vote not yet verified is checked alone, the bad ones are dropped, and the loop
    tries again. Memory is bounded: a (round, voter) slot stores at most two votes, its first and
    one for another block (kept as double-vote evidence); a stored vote is never replaced, so a
    second signature for the same (VoteData, voter) is ignored. A slot that showed a bad
    signature, or holds a vote for another block, has its later votes verified before storing.
    """

    def __init__(self, vset: ValidatorSet, round_: Round | None = None) -> None:
        self.vset = vset
        self.round = round_
        self.pending: dict[VoteData, dict[ValidatorIndex, Vote]] = {}
        self.power: dict[VoteData, int] = {}
        self.slots: dict[Slot, list[Vote]] = {}
        self.stored = 0  # votes in ``slots``, kept by ``_store`` and ``_drop``
        self.verified: set[tuple[ValidatorIndex, bytes, bytes]] = set()
        self.suspect: set[Slot] = set()
        self.convicted: set[Slot] = set()
        self.done: set[VoteData] = set()

    def on_vote(self, vote: Vote) -> tuple[QuorumCert | None, tuple[Vote, Vote] | None]:
        """Add ``vote``; return a new QC if one formed, and a verified double vote if seen."""
        if not self._is_admissible(vote):
            return None, None
        slot = (vote.round, vote.voter)
        stored = self.slots.get(slot, [])
        if slot in self.convicted or any(v.vote_data == vote.vote_data for v in stored):
            return None, None
        conflicts = [v for v in stored if v.vote_data.block_id != vote.vote_data.block_id]
        if (conflicts or slot in self.suspect) and not self._is_valid(vote):
            self.suspect.add(slot)
            return None, None
        double = self._find_double_vote(conflicts, vote)
        if len(self.slots.get(slot, [])) >= _MAX_VOTES_PER_SLOT:
            return None, double
        self._store(slot, vote)
        return self._try_form_qc(vote.vote_data), double

    def is_verified(self, vote: Vote) -> bool:
        """Whether this exact vote (its signature bytes included) was verified here."""
        return (vote.voter, vote.vote_data.signing_root, vote.signature) in self.verified

    def retained_size(self) -> int:
        """Entries held: stored votes plus verdicts and per-slot marks (bounded per round)."""
        return self.stored + len(self.verified) + len(self.suspect) + len(self.convicted)

    def _is_admissible(self, vote: Vote) -> bool:
        sig = vote.signature
        well_formed = isinstance(sig, bytes) and len(sig) == BLS_SIGNATURE_LENGTH
        in_round = self.round is None or vote.round == self.round
        in_set = vote.vote_data.epoch == self.vset.epoch and self.vset.is_member(vote.voter)
        return well_formed and in_round and in_set

    def _is_valid(self, vote: Vote) -> bool:
        if self.is_verified(vote):
            return True
        try:
            verify_vote(vote, self.vset)
        except (InvalidVote, ValueError, TypeError):  # a malformed signature is just invalid
            return False
        self.verified.add((vote.voter, vote.vote_data.signing_root, vote.signature))
        return True

    def _find_double_vote(self, conflicts: list[Vote], vote: Vote) -> tuple[Vote, Vote] | None:
        """``vote`` is valid here; pair it with a valid earlier vote for another block."""
        for first in conflicts:
            if self._is_valid(first):
                self.convicted.add((vote.round, vote.voter))
                return first, vote
            self._drop(first)
        return None

    def _store(self, slot: Slot, vote: Vote) -> None:
        self.slots.setdefault(slot, []).append(vote)
        self.stored += 1
        data = vote.vote_data
        if data not in self.done:
            self.pending.setdefault(data, {})[vote.voter] = vote
            self.power[data] = self.power.get(data, 0) + self.vset.stakes[vote.voter]

    def _drop(self, vote: Vote) -> None:
        """Forget a vote proven invalid, and verify its slot's later votes before storing."""
        slot = (vote.round, vote.voter)
        self.slots[slot].remove(vote)
        self.stored -= 1
        self.suspect.add(slot)
        votes = self.pending.get(vote.vote_data, {})
        if votes.get(vote.voter) is vote:
            del votes[vote.voter]
            self.power[vote.vote_data] -= self.vset.stakes[vote.voter]
        if not votes:
            self.pending.pop(vote.vote_data, None)
            self.power.pop(vote.vote_data, None)

    def _try_form_qc(self, data: VoteData) -> QuorumCert | None:
        """Aggregate and verify; on failure drop the bad votes and retry (a loop: each pass
        drops at least one vote, and a pass that drops none ends it)."""
        votes = self.pending.get(data, {})
        while data not in self.done and self.power.get(data, 0) >= self.vset.quorum_power:
            qc = self._aggregate(data, votes)
            if qc is not None and self._is_aggregate_valid(qc, votes):
                self._finish(data)
                return qc
            if not self._drop_invalid(votes):
                return None
        return None

    def _aggregate(self, data: VoteData, votes: dict[ValidatorIndex, Vote]) -> QuorumCert | None:
        indices = sorted(votes)
        try:
            signature = self.vset.scheme.aggregate([votes[i].signature for i in indices])
        except (ValueError, TypeError):  # DecodeError: a signature that is not a G2 point
            return None
        return QuorumCert(data, compute_bitfield(indices, len(self.vset)), signature)

    def _is_aggregate_valid(self, qc: QuorumCert, votes: dict[ValidatorIndex, Vote]) -> bool:
        root = qc.vote_data.signing_root
        return self.vset.keyring.fast_aggregate_verify(sorted(votes), root, qc.signature)

    def _drop_invalid(self, votes: dict[ValidatorIndex, Vote]) -> bool:
        """Verify each vote alone (never raises); drop the bad ones; True if any was dropped."""
        bad = [vote for vote in list(votes.values()) if not self._is_valid(vote)]
        for vote in bad:
            self._drop(vote)
        return bool(bad)

    def _finish(self, data: VoteData) -> None:
        self.done.add(data)
        self.pending.pop(data, None)
        self.power.pop(data, None)


class TimeoutCollector:
    """Verified timeouts of one round; reports the echo (>1/3) and forms a TC (>2/3)."""

    def __init__(self, vset: ValidatorSet, round_: Round) -> None:
        self.vset = vset
        self.round = round_
        self.timeouts: dict[ValidatorIndex, Timeout] = {}
        self.power = 0
        self.tc: TimeoutCert | None = None

    def add(self, timeout: Timeout) -> None:
        """Store an already verified timeout of this round (first one per signer wins; at most
        one entry per validator, so the table is bounded by the set's size)."""
        if timeout.round != self.round or not self.vset.is_member(timeout.signer):
            return
        if timeout.signer not in self.timeouts:
            self.timeouts[timeout.signer] = timeout
            self.power += self.vset.stakes[timeout.signer]

    def has_echo(self) -> bool:
        return self.power >= self.vset.echo_power

    def get_tc(self) -> TimeoutCert | None:
        """The TC once the timeouts carry a quorum (formed once, then reused)."""
        if self.tc is None and self.power >= self.vset.quorum_power:
            self.tc = self._aggregate()
        return self.tc

    def _aggregate(self) -> TimeoutCert:
        signers = tuple(sorted(self.timeouts))
        items = [self.timeouts[i] for i in signers]
        highest = max((t.hqc for t in items), key=lambda qc: qc.round)
        signature = self.vset.scheme.aggregate([t.signature for t in items])
        hqc_rounds = tuple(t.hqc.round for t in items)
        return TimeoutCert(self.vset.epoch, self.round, signers, hqc_rounds, signature, highest)
