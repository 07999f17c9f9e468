"""Leader election: stake x reputation weights, draws, skipped failed leaders, fixed schedules."""

from __future__ import annotations

import collections
import dataclasses

import pytest

from zkpov.consensus.leader import (
    MAX_SKIPPED_ROUNDS,
    FixedLeaders,
    choose_index,
    compute_leader_seed,
    iterate_draws,
)
from zkpov.consensus.reputation import compute_reputation, compute_reputation_weights
from zkpov.consensus.reputation_leaders import ReputationLeaders
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import Block, QuorumCert, VoteData
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex


def test_choose_index_is_proportional_to_weight() -> None:
    weights = [1, 0, 3]
    draws = collections.Counter(choose_index(weights, b"seed%d" % i) for i in range(4000))
    assert draws[1] == 0
    assert 2.6 < draws[2] / draws[0] < 3.4


def test_choose_index_reads_a_changed_list_afresh() -> None:
    weights = [1, 0, 0]
    assert choose_index(tuple(weights), b"s") == 0 and choose_index(weights, b"s") == 0
    weights[0], weights[2] = 0, 1  # same list object, new weights
    assert choose_index(weights, b"s") == 2
    fixed = (0, 5, 0)
    assert choose_index(fixed, b"s") == choose_index(fixed, b"t") == 1  # by identity


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


GENESIS = _block(0, 0, [], n=16, qc_round=0)  # an empty chain: every round of a window failed


def test_draws_are_a_permutation_starting_with_the_plain_draw() -> None:
    weights = [3, 1, 0, 5, 2]
    order = list(iterate_draws(weights, b"seed"))
    assert order[0] == choose_index(weights, b"seed")
    assert sorted(order) == [0, 1, 3, 4]  # zero weight is never drawn


def _order(round_: int, n: int = 16) -> list[ValidatorIndex]:
    return list(iterate_draws([10] * n, compute_leader_seed(b"s" * 32, Epoch(0), Round(round_))))


def _suspects(rounds: list[int]) -> set[ValidatorIndex]:
    """Draw 0 of each failed round and of the round after it (where its votes went)."""
    return {_order(k)[0] for k in rounds} | {_order(k + 1)[0] for k in rounds}


def test_leader_after_failed_rounds_skips_their_suspects() -> None:
    """Rounds 1..6 failed on the genesis chain: round 7 skips their suspects."""
    leaders = _leaders()
    for r in range(1, 8):
        skipped = _suspects(list(range(1, r)))
        expected = next(i for i in _order(r) if i not in skipped)
        assert leaders.get_leader(Round(r), GENESIS) == expected


def test_only_the_latest_failed_rounds_are_skipped() -> None:
    leaders = _leaders(n=64)
    round_ = 40

    def order(r: int) -> list[ValidatorIndex]:
        weights = leaders.get_weights(r // 10, GENESIS)
        return list(iterate_draws(weights, compute_leader_seed(b"s" * 32, Epoch(0), Round(r))))

    recent = range(round_ - MAX_SKIPPED_ROUNDS, round_)
    skipped = {order(r)[0] for r in recent} | {order(r + 1)[0] for r in recent}
    expected = next(i for i in order(round_) if i not in skipped)
    assert leaders.get_leader(Round(round_), GENESIS) == expected
    older = {order(r)[0] for r in range(1, round_ - MAX_SKIPPED_ROUNDS)} - skipped
    assert older  # some validators failed long ago and are no longer skipped


def test_a_round_after_a_success_skips_only_the_failures_on_its_chain() -> None:
    leaders = _leaders()
    tip = dataclasses.replace(_block(5, _order(5)[0], [0, 1, 2]), height=Height(1))
    skipped = _suspects([1, 2, 3, 4, 6])  # round 5 has a block on the chain
    assert leaders.get_leader(Round(7), tip) == next(i for i in _order(7) if i not in skipped)


def test_leader_does_not_depend_on_which_quorum_signed_the_parent() -> None:
    """The parent's QC signer set (the proposer's choice) never changes who leads next."""
    leaders = _leaders()
    for r in range(2, 40):
        one = dataclasses.replace(_block(r - 1, 0, list(range(5, 16)), n=16), height=Height(1))
        other = dataclasses.replace(_block(r - 1, 0, list(range(11)), n=16), height=Height(1))
        assert leaders.get_leader(Round(r), one) == leaders.get_leader(Round(r), other)


def test_same_chain_gives_the_same_leader_at_every_node() -> None:
    a, b = _leaders(), _leaders()
    for r in range(2, 60):
        assert a.get_leader(Round(r), GENESIS) == b.get_leader(Round(r), GENESIS)


def test_a_long_stretch_without_blocks_needs_no_recursion() -> None:
    """50,000 failed rounds after genesis: weights are computed bottom-up in one pass (the old
    rule recursed once per window and hit RecursionError)."""
    leaders = ReputationLeaders([10] * 16, Epoch(0), b"s" * 32, window=10, exclude=4)
    leader = leaders.get_leader(Round(50_000), GENESIS)
    assert 0 <= leader < 16
    assert leaders.get_leader(Round(50_000), GENESIS) == leader


def test_fixed_schedule_ignores_the_chain() -> None:
    leaders = FixedLeaders({3: ValidatorIndex(0)}, 4)
    assert leaders.get_leader(Round(3), _block(2, 1, [1])) == 0
