"""Certificates: verifying QCs and TCs, and collecting votes and timeouts by stake.

Vote collection is optimistic: votes are stored unverified; once they carry a quorum of stake they
are aggregated and verified with one pairing check. If that fails, each vote is verified, the bad
ones are dropped, and collection goes on. Timeouts are verified on arrival (each carries a QC).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from zkpov.consensus.encoding import compute_bitfield, get_bitfield_indices
from zkpov.consensus.messages import QuorumCert, Timeout, TimeoutCert, Vote, VoteData
from zkpov.consensus.validators import ValidatorSet
from zkpov.errors import DecodeError, VotingError
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
    from zkpov.consensus.messages import compute_timeout_signing_root
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
    """Votes of one round grouped by VoteData; forms a QC at a quorum of verified stake."""

    def __init__(self, vset: ValidatorSet) -> None:
        self.vset = vset
        self.pending: dict[VoteData, dict[ValidatorIndex, Vote]] = defaultdict(dict)
        self.verified: set[tuple[VoteData, ValidatorIndex]] = set()
        self.first_votes: dict[tuple[Round, ValidatorIndex], Vote] = {}
        self.done: set[VoteData] = set()
        self.power: dict[VoteData, int] = defaultdict(int)

    def on_vote(self, vote: Vote) -> tuple[QuorumCert | None, tuple[Vote, Vote] | None]:
        """Add ``vote``; return a new QC if one formed, and a verified double vote if seen."""
        double = self._check_double_vote(vote)
        if vote.vote_data in self.done or not self.vset.is_member(vote.voter):
            return None, double
        votes = self.pending[vote.vote_data]
        if vote.voter not in votes:
            self.power[vote.vote_data] += self.vset.stakes[vote.voter]
        votes[vote.voter] = vote
        return self._try_form_qc(vote.vote_data), double

    def _check_double_vote(self, vote: Vote) -> tuple[Vote, Vote] | None:
        key = (vote.round, vote.voter)
        first = self.first_votes.setdefault(key, vote)
        if first.vote_data.block_id == vote.vote_data.block_id:
            return None
        if not self._is_valid(first):
            self.first_votes[key] = vote
            return None
        return (first, vote) if self._is_valid(vote) else None

    def _is_valid(self, vote: Vote) -> bool:
        try:
            verify_vote(vote, self.vset)
        except InvalidVote:
            return False
        return True

    def _try_form_qc(self, data: VoteData) -> QuorumCert | None:
        votes = self.pending[data]
        if self.power[data] < self.vset.quorum_power:
            return None
        qc = self._aggregate(data, votes)
        if self.vset.keyring.fast_aggregate_verify(sorted(votes), data.signing_root, qc.signature):
            self.done.add(data)
            return qc
        self._drop_invalid(data, votes)
        return self._try_form_qc(data) if len(votes) else None

    def _aggregate(self, data: VoteData, votes: dict[ValidatorIndex, Vote]) -> QuorumCert:
        indices = sorted(votes)
        signature = self.vset.scheme.aggregate([votes[i].signature for i in indices])
        return QuorumCert(data, compute_bitfield(indices, len(self.vset)), signature)

    def _drop_invalid(self, data: VoteData, votes: dict[ValidatorIndex, Vote]) -> None:
        for voter in sorted(votes):
            if (data, voter) in self.verified:
                continue
            if self._is_valid(votes[voter]):
                self.verified.add((data, voter))
            else:
                del votes[voter]
                self.power[data] -= self.vset.stakes[voter]


class TimeoutCollector:
    """Verified timeouts of one round; reports the echo (>1/3) and forms a TC (>2/3)."""

    def __init__(self, vset: ValidatorSet, round_: Round) -> None:
        self.vset = vset
        self.round = round_
        self.timeouts: dict[ValidatorIndex, Timeout] = {}
        self.power = 0
        self.tc: TimeoutCert | None = None

    def add(self, timeout: Timeout) -> None:
        """Store an already verified timeout (first one per signer wins)."""
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
