"""Reputation windows read along a block's chain: determinism across nodes, failed rounds, forks,
cache pruning."""

from __future__ import annotations

import pytest

from zkpov.consensus.block_tree import MissingBlock
from zkpov.consensus.leader import MAX_SKIPPED_ROUNDS, choose_index, compute_leader_seed
from zkpov.consensus.reputation import compute_reputation_weights
from zkpov.consensus.reputation_leaders import ReputationLeaders
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import Block, QuorumCert, VoteData
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

N, W, X = 8, 10, 2
STAKES = [10] * N
SEED = b"s" * 32
ZERO = BlockId(bytes(32))


def _qc(parent: Block | None, signers: list[int]) -> QuorumCert:
    round_, block_id = (Round(0), ZERO) if parent is None else (parent.round, parent.id)
    data = VoteData(Epoch(0), round_, block_id, Round(0), ZERO)
    return QuorumCert(data, compute_bitfield(signers, N), b"")


def _block(parent: Block | None, round_: int, proposer: int, signers: list[int]) -> Block:
    height = Height(0 if parent is None else parent.height + 1)
    parent_id = ZERO if parent is None else parent.id
    return Block(
        Epoch(0), Round(round_), height, parent_id, ValidatorIndex(proposer), Root(bytes(32)),
        _qc(parent, signers),
    )  # fmt: skip


GENESIS = _block(None, 0, 0, [])


def _leaders(*, prune: bool = True) -> ReputationLeaders:
    return ReputationLeaders(STAKES, Epoch(0), SEED, window=W, exclude=X, prune=prune)


def _grow(leaders: ReputationLeaders, rounds: int, down: int) -> list[Block]:
    """A chain where validator ``down`` never proposes: its rounds fail (no block)."""
    chain, tip = [], GENESIS
    for r in range(1, rounds):
        blocks = {b.id: b for b in chain}
        if leaders.get_leader(Round(r), tip, lookup=blocks.get) != down:
            tip = _block(tip, r, leaders.get_leader(Round(r), tip, lookup=blocks.get), [0, 1, 2])
            chain.append(tip)
    return chain


def test_nodes_with_different_commit_progress_agree() -> None:
    chain = _grow(_leaders(), 200, down=3)
    blocks = {b.id: b for b in chain}
    ahead, behind, restarted = _leaders(), _leaders(), _leaders()
    for block in chain[:-2]:
        ahead.on_commit(block)  # commits all but the last two; behind commits nothing
    for block in chain[: len(chain) // 2]:
        restarted.on_commit(block)
    for tip in chain[-30:]:
        for r in range(tip.round + 1, tip.round + 25):
            expected = behind.get_leader(Round(r), tip, lookup=blocks.get)
            assert ahead.get_leader(Round(r), tip, lookup=blocks.get) == expected
            assert restarted.get_leader(Round(r), tip, lookup=blocks.get) == expected


def test_failed_rounds_lower_the_leader_along_the_chain() -> None:
    leaders = _leaders()
    chain = _grow(leaders, 200, down=3)
    failed = set(range(1, 200)) - {b.round for b in chain}  # the rounds validator 3 led
    assert len(failed & set(range(1, 30))) >= 1  # plain stakes at first, then skipped
    assert len(failed & set(range(30, 200))) <= 4  # then weight 1 or 10 against 1000s
    weights = leaders.get_weights(chain[-1].round // W + 1, chain[-1], {b.id: b for b in chain}.get)
    assert weights[3] <= 10 * 10 and max(weights) == 10 * 1000


def test_window_of_a_chain_with_a_gap() -> None:
    """Rounds 10..17 (period 2's window for W=10, X=2): round 12 has no block on the chain."""
    leaders, chain = _leaders(), [GENESIS]
    for r in [*range(1, 12), *range(13, 18)]:
        chain.append(_block(chain[-1], r, r % 4, [0, 1, 2, 4]))
    lookup = {b.id: b for b in chain}.get
    period1 = leaders.get_weights(1, chain[-1], lookup)  # its window [1, 8) has all its blocks
    blamed = choose_index(period1, compute_leader_seed(SEED, Epoch(0), Round(12)))
    window = tuple((r % 4, compute_bitfield([0, 1, 2, 4], N)) for r in [10, 11, *range(13, 18)])
    expected = compute_reputation_weights(tuple(STAKES), window, (blamed,))
    assert leaders.get_weights(2, chain[-1], lookup) == expected


def test_forks_below_the_window_end_get_their_own_weights() -> None:
    leaders = _leaders()
    base = _block(GENESIS, 1, 0, [0, 1, 2])
    one, other, blocks = base, base, {base.id: base}
    for r in range(2, 9):
        one = _block(one, r, 1, [0, 1, 2])
        other = _block(other, r, 2, [4, 5, 6])
        blocks.update({one.id: one, other.id: other})
    assert leaders.get_weights(1, one, blocks.get) != leaders.get_weights(1, other, blocks.get)
    assert {key[0] for key in leaders.weights} == {1}
    assert len(leaders.weights) == 2


def test_an_unknown_ancestor_is_reported() -> None:
    tip = GENESIS
    for r in range(1, 12):
        tip = _block(tip, r, 0, [0, 1, 2])
    with pytest.raises(MissingBlock):
        _leaders().get_weights(2, tip)


def test_pruning_keeps_memory_bounded_and_answers_unchanged() -> None:
    chain = _grow(_leaders(), 400, down=5)
    pruned, full = _leaders(), _leaders(prune=False)
    for block in chain:
        pruned.on_commit(block)
        full.on_commit(block)
        assert len(pruned.weights) <= pruned.depth + 3
        assert len(pruned.committed) <= (pruned.depth + 2) * W + X + 2 * MAX_SKIPPED_ROUNDS
    assert len(full.committed) == len(chain)
    tip = chain[-1]
    for r in range(tip.round + 1, tip.round + 40):
        assert pruned.get_leader(Round(r), tip) == full.get_leader(Round(r), tip)
