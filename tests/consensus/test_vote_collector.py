"""VoteCollector under a Byzantine voter: forged, malformed and sprayed votes (audit findings)."""

from __future__ import annotations

import dataclasses

from tests.consensus.consensus_helpers import Net, make_net
from zkpov.consensus.quorum import VoteCollector, verify_qc
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import Vote, VoteData
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex

DATA = VoteData(Epoch(0), Round(1), BlockId(b"\x01" * 32), Round(0), BlockId(b"\x00" * 32))
OTHER = dataclasses.replace(DATA, block_id=BlockId(b"\x02" * 32))
BLS = make_net(4)
FAST = make_net(4, scheme="insecure-hash")


def vote(net: Net, voter: int, data: VoteData = DATA, signer: int | None = None) -> Vote:
    sk = net.sks[voter if signer is None else signer]
    return Vote(data, ValidatorIndex(voter), net.scheme.sign(sk, data.signing_root))


def with_signature(v: Vote, signature: bytes) -> Vote:
    return dataclasses.replace(v, signature=signature)


def test_a_forged_vote_never_replaces_a_verified_one() -> None:
    collector = VoteCollector(BLS.vset)
    collector.on_vote(vote(BLS, 0))
    collector.on_vote(vote(BLS, 1, signer=3))  # forged
    assert collector.on_vote(vote(BLS, 2)) == (None, None)  # aggregate fails: 0, 2 verified
    assert collector.on_vote(vote(BLS, 0, signer=3)) == (None, None)  # same (data, voter)
    qc, _ = collector.on_vote(vote(BLS, 3))  # used to recurse until RecursionError
    assert qc is not None and qc.signers == compute_bitfield([0, 2, 3], 4)
    verify_qc(qc, BLS.vset)


def test_verdicts_are_keyed_by_the_signature_bytes() -> None:
    collector = VoteCollector(BLS.vset)
    for v in (vote(BLS, 0), vote(BLS, 1, signer=3), vote(BLS, 2)):
        collector.on_vote(v)
    assert collector.is_verified(vote(BLS, 0))
    assert not collector.is_verified(vote(BLS, 0, signer=3))  # same voter and data, other bytes
    assert not collector.is_verified(vote(BLS, 1, signer=3))


def test_a_signature_that_is_not_a_point_does_not_stall_the_qc() -> None:
    collector = VoteCollector(BLS.vset)
    collector.on_vote(vote(BLS, 0))
    collector.on_vote(with_signature(vote(BLS, 1), b"\xff" * 96))  # aggregate() raises on it
    assert collector.on_vote(vote(BLS, 2)) == (None, None)
    qc, _ = collector.on_vote(vote(BLS, 3))
    assert qc is not None and qc.signers == compute_bitfield([0, 2, 3], 4)
    verify_qc(qc, BLS.vset)


def test_a_short_or_foreign_signature_is_refused_before_it_is_stored() -> None:
    for net in (BLS, FAST):
        collector = VoteCollector(net.vset)
        collector.on_vote(with_signature(vote(net, 1), vote(net, 1).signature[:95]))
        collector.on_vote(with_signature(vote(net, 0), None))  # type: ignore[arg-type]
        assert collector.retained_size() == 0
        for voter in (0, 2):
            collector.on_vote(vote(net, voter))
        qc, _ = collector.on_vote(vote(net, 3))
        assert qc is not None and qc.signers == compute_bitfield([0, 2, 3], 4)


def test_votes_outside_the_set_or_epoch_are_not_stored() -> None:
    collector = VoteCollector(FAST.vset)
    collector.on_vote(dataclasses.replace(vote(FAST, 0), voter=ValidatorIndex(4)))
    collector.on_vote(vote(FAST, 0, dataclasses.replace(DATA, epoch=Epoch(1))))
    assert collector.retained_size() == 0


def _fabricated(i: int) -> VoteData:
    return dataclasses.replace(DATA, block_id=BlockId(i.to_bytes(32, "big")))


def test_a_voter_spraying_blocks_leaves_the_collector_bounded() -> None:
    collector = VoteCollector(FAST.vset)
    doubles = [collector.on_vote(vote(FAST, 1, _fabricated(i)))[1] for i in range(20_000)]
    forged = [collector.on_vote(vote(FAST, 2, _fabricated(i), signer=0)) for i in range(20_000)]
    assert sum(d is not None for d in doubles) == 1  # reported once, then the slot is closed
    assert all(result == (None, None) for result in forged)
    assert collector.retained_size() <= 8
    for voter in (0, 2, 3):
        qc, _ = collector.on_vote(vote(FAST, voter))
    assert qc is not None and qc.signers == compute_bitfield([0, 2, 3], 4)


def test_a_double_vote_is_reported_after_a_forged_first_vote() -> None:
    collector = VoteCollector(BLS.vset)
    assert collector.on_vote(vote(BLS, 1, DATA, signer=0)) == (None, None)  # forged, for DATA
    assert collector.on_vote(vote(BLS, 1, OTHER)) == (None, None)  # drops the forgery
    _, double = collector.on_vote(vote(BLS, 1, DATA))  # voter 1 now signs a second block
    assert double == (vote(BLS, 1, OTHER), vote(BLS, 1, DATA))


def test_a_collector_for_one_round_ignores_other_rounds() -> None:
    collector = VoteCollector(FAST.vset, Round(1))
    collector.on_vote(vote(FAST, 0, dataclasses.replace(DATA, round=Round(2))))
    assert collector.retained_size() == 0


def test_the_running_vote_count_matches_the_stored_votes() -> None:
    collector = VoteCollector(BLS.vset)
    votes = [vote(BLS, 0), vote(BLS, 1, signer=3), vote(BLS, 2), vote(BLS, 2, OTHER), vote(BLS, 3)]
    for v in votes:
        collector.on_vote(v)
        assert collector.stored == sum(len(s) for s in collector.slots.values())
    assert collector.stored == 4  # the forged vote of voter 1 was dropped
