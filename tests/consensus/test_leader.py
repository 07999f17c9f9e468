"""Leader election: stake x reputation weights, determinism, finality of the window."""

from __future__ import annotations

import collections

import pytest

from zkpov.chain.reputation import compute_reputation, compute_reputation_weights
from zkpov.consensus.encoding import compute_bitfield
from zkpov.consensus.leader import (
    FixedLeaders,
    ReputationLeaders,
    choose_index,
    compute_leader_seed,
)
from zkpov.consensus.messages import Block, QuorumCert, VoteData
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


def _block(round_: int, proposer: int, signers: list[int], n: int = 4) -> Block:
    data = VoteData(Epoch(0), Round(round_ - 1), BlockId(bytes(32)), Round(0), BlockId(bytes(32)))
    qc = QuorumCert(data, compute_bitfield(signers, n), b"")
    return Block(
        Epoch(0), Round(round_), Height(round_), BlockId(bytes(32)), ValidatorIndex(proposer),
        Root(bytes(32)), qc,
    )  # fmt: skip


def test_window_weights_from_committed_blocks() -> None:
    window = ((0, compute_bitfield([0, 1], 4)), (1, compute_bitfield([0, 1], 4)))
    assert compute_reputation_weights((5, 5, 5, 5), window, (2,)) == (5000, 5000, 5, 50)


def test_failed_rounds_lower_a_leader_and_nodes_agree() -> None:
    def leaders() -> ReputationLeaders:
        return ReputationLeaders([10, 10, 10, 10], Epoch(0), b"s" * 32, window=10, exclude=2)

    a, b = leaders(), leaders()
    chosen = []
    for r in range(1, 200):  # validator 3 is down: every round it leads fails
        leader = a.get_leader(Round(r))
        assert leader == b.get_leader(Round(r))
        chosen.append(leader)
        if leader != 3:
            a.on_commit(_block(r, leader, [0, 1, 2]))
            b.on_commit(_block(r, leader, [0, 1, 2]))
    assert chosen[:20].count(3) >= 2  # plain stake weights at first
    assert chosen[30:].count(3) <= 2  # then weight 1 against 1000s
    assert a.is_final(Round(150)) and not a.is_final(Round(215))


def test_leader_seed_depends_on_epoch_and_round() -> None:
    seeds = {compute_leader_seed(b"s", Epoch(e), Round(r)) for e in range(3) for r in range(3)}
    assert len(seeds) == 9


def test_fixed_schedule_falls_back_to_round_robin() -> None:
    leaders = FixedLeaders({3: ValidatorIndex(0)}, 4)
    assert [leaders.get_leader(Round(r)) for r in range(1, 6)] == [1, 2, 0, 0, 1]
