"""Leader election: stake x reputation weights, draws, anchors, fixed schedules."""

from __future__ import annotations

import collections

import pytest

from zkpov.chain.reputation import compute_reputation, compute_reputation_weights
from zkpov.consensus.encoding import compute_bitfield
from zkpov.consensus.leader import (
    EVERYONE,
    Anchor,
    FixedLeaders,
    choose_index,
    compute_leader_seed,
    get_proposal_anchor,
    get_recovery_anchor,
    get_successor_anchor,
    is_recovery_block,
    iterate_draws,
)
from zkpov.consensus.messages import Block, QuorumCert, TimeoutCert, VoteData
from zkpov.consensus.reputation_leaders import ReputationLeaders
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex


def test_choose_index_is_proportional_to_weight() -> None:
    weights = [1, 0, 3]
    draws = collections.Counter(choose_index(weights, b"seed%d" % i) for i in range(4000))
    assert draws[1] == 0
    assert 2.6 < draws[2] / draws[0] < 3.4


def test_choose_index_needs_positive_weight() -> None:
    with pytest.raises(ValueError, match="positive"):
        choose_index([0, 0], b"x")


@pytest.mark.parametrize(
    ("proposals", "failures", "active", "weight"),
    [(9, 1, True, 1000), (8, 2, True, 1), (0, 0, True, 1000), (0, 0, False, 10), (0, 1, True, 1)],
)
def test_reputation_weights(proposals: int, failures: int, active: bool, weight: int) -> None:
    assert compute_reputation(proposals, failures, active) == weight


def _block(
    round_: int, proposer: int, signers: list[int], n: int = 4, qc_round: int | None = None
) -> Block:
    qc_round = round_ - 1 if qc_round is None else qc_round
    data = VoteData(Epoch(0), Round(qc_round), BlockId(bytes(32)), Round(0), BlockId(bytes(32)))
    qc = QuorumCert(data, compute_bitfield(signers, n), b"")
    return Block(
        Epoch(0), Round(round_), Height(round_), BlockId(bytes(32)), ValidatorIndex(proposer),
        Root(bytes(32)), qc,
    )  # fmt: skip


def test_window_weights_from_committed_blocks() -> None:
    window = ((0, compute_bitfield([0, 1], 4)), (1, compute_bitfield([0, 1], 4)))
    assert compute_reputation_weights((5, 5, 5, 5), window, (2,)) == (5000, 5000, 5, 50)


def test_leader_seed_depends_on_epoch_and_round() -> None:
    seeds = {compute_leader_seed(b"s", Epoch(e), Round(r)) for e in range(3) for r in range(3)}
    assert len(seeds) == 9


def test_fixed_schedule_falls_back_to_round_robin() -> None:
    leaders = FixedLeaders({3: ValidatorIndex(0)}, 4)
    assert [leaders.get_leader(Round(r)) for r in range(1, 6)] == [1, 2, 0, 0, 1]


def _leaders(n: int = 16) -> ReputationLeaders:
    return ReputationLeaders([10] * n, Epoch(0), b"s" * 32, window=10, exclude=2)


GENESIS = _block(0, 0, [], n=16)  # an empty chain: every round of a window failed


def _tc(round_: int, signers: list[int]) -> TimeoutCert:
    qc = _block(1, 0, [0]).qc
    indices = tuple(ValidatorIndex(i) for i in signers)
    rounds = tuple(Round(0) for _ in signers)
    return TimeoutCert(Epoch(0), Round(round_), indices, rounds, b"", qc)


def test_draws_are_a_permutation_starting_with_the_plain_draw() -> None:
    weights = [3, 1, 0, 5, 2]
    order = list(iterate_draws(weights, b"seed"))
    assert order[0] == choose_index(weights, b"seed")
    assert sorted(order) == [0, 1, 3, 4]  # zero weight is never drawn


def test_anchored_leader_is_the_first_draw_in_the_anchor() -> None:
    leaders, seed = _leaders(), compute_leader_seed(b"s" * 32, Epoch(0), Round(7))
    order = list(iterate_draws([10] * 16, seed))
    assert leaders.get_leader(Round(7), GENESIS) == order[0]
    members = frozenset(order[3:])
    assert leaders.get_leader(Round(7), GENESIS, Anchor(members=members)) == order[3]
    assert leaders.get_leader(Round(7), GENESIS, Anchor(members=frozenset(order))) == order[0]
    assert leaders.get_leader(Round(7), GENESIS, Anchor(sticky=ValidatorIndex(5))) == 5


def test_same_certificate_gives_the_same_leader_at_every_node() -> None:
    a, b = _leaders(), _leaders()
    for r in range(2, 60):
        anchor = get_recovery_anchor(_tc(r - 1, list(range(r % 5, 16))))
        assert a.get_leader(Round(r), GENESIS, anchor) == b.get_leader(Round(r), GENESIS, anchor)
        assert a.get_leader(Round(r), GENESIS, anchor) in anchor.members  # type: ignore[operator]


def test_different_tcs_may_disagree_only_on_a_draw_missing_from_one() -> None:
    """Two honest nodes with different TCs for round r - 1: the leaders differ only when the
    earlier draw of the order signed one TC but not the other (a liveness cost, no safety one)."""
    leaders = _leaders()
    disagreements = 0
    for r in range(2, 200):
        first = leaders.get_leader(Round(r), GENESIS)
        one = list(range(5, 16))  # 11 signers each: both quorums of 16
        other = list(range(11))
        x = leaders.get_leader(Round(r), GENESIS, get_recovery_anchor(_tc(r - 1, one)))
        y = leaders.get_leader(Round(r), GENESIS, get_recovery_anchor(_tc(r - 1, other)))
        if first in one and first in other:
            assert x == y == first
        disagreements += x != y
    assert 0 < disagreements < 150


def test_successor_anchor_reads_the_parent() -> None:
    normal = _block(5, 2, [0, 1, 3], n=4)
    assert get_successor_anchor(normal) == Anchor(members=frozenset({0, 1, 3}))
    recovery = _block(7, 2, [0, 1, 3], n=4, qc_round=4)
    assert is_recovery_block(recovery) and not is_recovery_block(normal)
    assert get_successor_anchor(recovery) == Anchor(sticky=ValidatorIndex(2))
    assert get_successor_anchor(_block(1, 0, [], n=4)) == EVERYONE


def test_proposal_anchor_needs_the_tc_of_the_previous_round() -> None:
    parent = _block(3, 1, [0, 1, 2])
    assert get_proposal_anchor(_block(4, 0, [1, 2, 3]), None, parent) == Anchor(
        members=frozenset({0, 1, 2})
    )
    recovery = _block(6, 0, [0, 1, 2], qc_round=3)
    assert get_proposal_anchor(recovery, None, parent) is None
    assert get_proposal_anchor(recovery, _tc(4, [0, 1, 2]), parent) is None
    tc = _tc(5, [1, 2, 3])
    assert get_proposal_anchor(recovery, tc, parent) == Anchor(members=frozenset({1, 2, 3}))


def test_fixed_schedule_ignores_the_anchor() -> None:
    leaders = FixedLeaders({3: ValidatorIndex(0)}, 4)
    assert leaders.get_leader(Round(3), None, Anchor(members=frozenset({1}))) == 0
