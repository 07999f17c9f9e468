"""Safety rules (docs/design.md "Consensus"): pre-state, input, post-state."""

from __future__ import annotations

import dataclasses

import pytest

from zkpov.consensus.safety import (
    SafetyRules,
    UnsafeTimeout,
    UnsafeVote,
    is_safe_to_timeout,
    is_safe_to_vote,
)
from zkpov.spec.messages import Block, QuorumCert, TimeoutCert, VoteData
from zkpov.spec.safety_data import SafetyData
from zkpov.spec.signing import InsecureHashScheme
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

SCHEME = InsecureHashScheme()
SK, _ = SCHEME.derive_keypair(b"safety")


def qc(round_: int, parent_round: int | None = None, tag: bytes = b"") -> QuorumCert:
    parent = round_ - 1 if parent_round is None else parent_round
    block_id = BlockId(bytes([round_]) * 31 + tag[:1].rjust(1, b"\0"))
    data = VoteData(Epoch(0), Round(round_), block_id, Round(max(parent, 0)), BlockId(bytes(32)))
    return QuorumCert(data, b"\x0f", b"sig")


def block(round_: int, parent_qc: QuorumCert, payload: bytes = b"") -> Block:
    return Block(
        Epoch(0), Round(round_), Height(round_), parent_qc.block_id, ValidatorIndex(0),
        Root(bytes(32)), parent_qc, payload,
    )  # fmt: skip


def tc(round_: int, hqc_rounds: tuple[int, ...]) -> TimeoutCert:
    highest = qc(max(hqc_rounds))
    signers = tuple(ValidatorIndex(i) for i in range(len(hqc_rounds)))
    return TimeoutCert(
        Epoch(0), Round(round_), signers, tuple(Round(r) for r in hqc_rounds), b"", highest
    )


def rules(**fields: int) -> SafetyRules:
    data = SafetyData(Epoch(0), **{k: Round(v) for k, v in fields.items()})  # type: ignore[arg-type]
    return SafetyRules(data, ValidatorIndex(1), SK, SCHEME)


@pytest.mark.parametrize(
    ("block_round", "qc_round", "tc_round", "tc_hqc", "safe"),
    [
        (5, 4, None, None, True),  # extends the previous round's QC
        (5, 3, None, None, False),  # gap without a TC
        (5, 3, 4, 3, True),  # after a TC whose highest QC we extend
        (5, 2, 4, 3, False),  # after a TC, but older than its highest QC
        (5, 3, 3, 2, False),  # TC not for the previous round
    ],
)
def test_vote_rule(
    block_round: int, qc_round: int, tc_round: int | None, tc_hqc: int | None, safe: bool
) -> None:
    cert = None if tc_round is None or tc_hqc is None else tc(tc_round, (tc_hqc, 0, 0))
    assert is_safe_to_vote(Round(block_round), Round(qc_round), cert) is safe


def test_vote_updates_last_voted_and_locks() -> None:
    pre = rules(last_voted_round=3)
    vote, is_new = pre.sign_vote(block(5, qc(4, parent_round=3)), None)
    assert is_new and vote.round == 5 and vote.vote_data.parent_round == 4
    post = pre.data
    assert (post.last_voted_round, post.one_chain_round, post.preferred_round) == (5, 4, 3)
    assert post.last_vote == vote


def test_repeat_request_returns_the_stored_vote() -> None:
    safety = rules()
    b = block(1, qc(0))
    first, _ = safety.sign_vote(b, None)
    again, is_new = safety.sign_vote(b, None)
    assert again == first and not is_new


def test_second_block_in_the_same_round_is_refused() -> None:
    safety = rules()
    safety.sign_vote(block(1, qc(0)), None)
    with pytest.raises(UnsafeVote, match="already voted"):
        safety.sign_vote(block(1, qc(0), payload=b"\x90"), None)


@pytest.mark.parametrize("last_voted", [5, 6])
def test_no_vote_at_or_below_last_voted_round(last_voted: int) -> None:
    with pytest.raises(UnsafeVote, match="last voted"):
        rules(last_voted_round=last_voted).sign_vote(block(5, qc(4)), None)


def test_unsafe_vote_leaves_safety_data_unchanged() -> None:
    safety = rules(last_voted_round=1)
    before = safety.data
    with pytest.raises(UnsafeVote):
        safety.sign_vote(block(5, qc(3)), None)
    assert safety.data == before


def test_broken_vote_rule_switch_really_breaks_it() -> None:
    data = SafetyData(Epoch(0), last_voted_round=Round(5))
    safety = SafetyRules(data, ValidatorIndex(1), SK, SCHEME, test_only_break_vote_rule=True)
    vote, _ = safety.sign_vote(block(5, qc(1)), None)
    assert vote.round == 5


@pytest.mark.parametrize(
    ("round_", "hqc", "tc_round", "one_chain", "safe"),
    [(5, 4, 0, 4, True), (5, 3, 4, 3, True), (5, 3, 3, 3, False), (5, 4, 0, 5, False)],
)
def test_timeout_rule(round_: int, hqc: int, tc_round: int, one_chain: int, safe: bool) -> None:
    assert is_safe_to_timeout(Round(round_), Round(hqc), Round(tc_round), Round(one_chain)) is safe


def test_timeout_raises_last_voted_round() -> None:
    safety = rules(last_voted_round=4)
    timeout = safety.sign_timeout(Round(5), qc(4), Round(0))
    assert timeout.round == 5 and timeout.hqc.round == 4
    assert safety.data.last_voted_round == 5 and safety.data.highest_timeout_round == 5
    with pytest.raises(UnsafeVote):
        safety.sign_vote(block(5, qc(4)), None)


def test_timeout_below_last_vote_is_refused() -> None:
    with pytest.raises(UnsafeTimeout):
        rules(last_voted_round=6).sign_timeout(Round(5), qc(4), Round(0))


def test_timeout_with_a_qc_below_the_lock_is_refused() -> None:
    safety = rules(one_chain_round=4)
    with pytest.raises(UnsafeTimeout):
        safety.sign_timeout(Round(4), qc(3), Round(0))


def test_vote_in_another_epoch_is_refused() -> None:
    other = dataclasses.replace(block(1, qc(0)), epoch=Epoch(1))
    with pytest.raises(UnsafeVote, match="epoch"):
        rules().sign_vote(other, None)
