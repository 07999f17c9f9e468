"""Evidence inside blocks: each adversarial block is refused by the evidence checker, and the
same block passes the plain re-execution checker (the refusal is what stops it)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.consensus.consensus_helpers import make_net
from tests.spec.test_evidence import VALID
from zkpov.chain.state import AccountState, Transfer
from zkpov.consensus.actions import Broadcast, SendTo
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.equivocation import sign_proposal
from zkpov.consensus.evidence_check import MAX_EVIDENCE_BYTES, EvidenceChecker, select_evidence
from zkpov.consensus.evidence_index import MAX_EVIDENCE_AGE_ROUNDS, EvidenceIndex, get_offence
from zkpov.consensus.evidence_pool import MAX_EVIDENCE_PER_PROPOSAL
from zkpov.consensus.factory import ChainStart, build_core
from zkpov.consensus.leader import FixedLeaders
from zkpov.consensus.validity import NativeReexecution
from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.evidence import DoubleVote
from zkpov.spec.messages import Block, Proposal, Vote, VoteData
from zkpov.spec.payload import InvalidBlock
from zkpov.types import BlockId, Epoch, Height, Round, ValidatorIndex

NET = make_net(4)


def vote(block_id: bytes, voter: int = 2, round_: int = 1, signer: int | None = None) -> Vote:
    data = VoteData(Epoch(0), Round(round_), BlockId(block_id), Round(round_ - 1), NET.genesis.id)
    sk = NET.sks[voter if signer is None else signer]
    return Vote(data, ValidatorIndex(voter), NET.scheme.sign(sk, data.signing_root))


def double_vote(voter: int = 2, round_: int = 1, signer: int | None = None) -> DoubleVote:
    first = vote(b"\x01" * 32, voter, round_)
    return DoubleVote(first, vote(b"\x02" * 32, voter, round_, signer))


def child(parent: Block, evidence: tuple[bytes, ...] = (), round_: int | None = None) -> Block:
    r = Round(parent.round + 1 if round_ is None else round_)
    return Block(
        Epoch(0), r, Height(parent.height + 1), parent.id, ValidatorIndex(0),
        parent.state_root, NET.genesis_qc, evidence=evidence,
    )  # fmt: skip


def native() -> NativeReexecution:
    return NativeReexecution(NET.genesis.id, AccountState(), Transfer.from_bytes)


def checker(index: EvidenceIndex | None = None) -> EvidenceChecker:
    return EvidenceChecker(native(), NET.vset, index or EvidenceIndex())


def assert_refused_only_by_evidence_rules(
    block: Block, why: str, parent: Block | None = None
) -> None:
    parent = parent or NET.genesis
    native().check_block(block, parent)  # without the evidence rules the block would pass
    with pytest.raises(InvalidBlock, match=why):
        checker().check_block(block, parent)


def test_valid_evidence_of_every_kind_is_accepted() -> None:
    items = (*map(encode_evidence, VALID), encode_evidence(double_vote(voter=3)))
    checker().check_block(child(NET.genesis, items, round_=2), NET.genesis)


def build_voter(evidence_rules: bool) -> ConsensusCore:
    inner = native()
    check = EvidenceChecker(inner, NET.vset, EvidenceIndex()) if evidence_rules else inner
    start = ChainStart(NET.vset, NET.genesis, NET.genesis_qc)
    leaders = FixedLeaders({Round(1): ValidatorIndex(0)}, 4)
    core = build_core(start, ValidatorIndex(1), NET.sks[1], None, check, leaders=leaders)
    core.start(0.0)
    return core


def test_an_honest_voter_does_not_vote_for_a_block_with_forged_evidence() -> None:
    leader = build_core(
        ChainStart(NET.vset, NET.genesis, NET.genesis_qc), ValidatorIndex(0), NET.sks[0], None,
        native(), leaders=FixedLeaders({Round(1): ValidatorIndex(0)}, 4),
    )  # fmt: skip
    honest = next(a.message for a in leader.start(0.0) if isinstance(a, Broadcast))
    assert isinstance(honest, Proposal)
    forged_block = dataclasses.replace(honest.block, evidence=(FORGED,))
    forged = sign_proposal(forged_block, NET.scheme, NET.sks[0], None)
    assert any(isinstance(a, SendTo) for a in build_voter(False).on_proposal(forged, 0.0))
    assert not any(isinstance(a, SendTo) for a in build_voter(True).on_proposal(forged, 0.0))
    assert any(isinstance(a, SendTo) for a in build_voter(True).on_proposal(honest, 0.0))


FORGED = encode_evidence(double_vote(signer=1))  # the second vote signed by another key
NON_MEMBER = encode_evidence(
    dataclasses.replace(
        double_vote(), second=dataclasses.replace(double_vote().second, voter=ValidatorIndex(9))
    )
)


@pytest.mark.parametrize(
    ("items", "why"),
    [
        ((FORGED,), "signatures do not verify"),
        ((NON_MEMBER,), "invalid evidence"),
        ((encode_evidence(double_vote()),) * 2, "one offence twice"),
        (
            (
                encode_evidence(double_vote()),
                encode_evidence(DoubleVote(double_vote().second, double_vote().first)),
            ),
            "one offence twice",  # the same offence in another encoding
        ),
        ((encode_evidence(double_vote()),) * (MAX_EVIDENCE_PER_PROPOSAL + 1), "at most"),
        ((b"\x93" + bytes(MAX_EVIDENCE_BYTES),), "over"),
        ((b"\xc1",), "does not decode"),
    ],
    ids=["forged", "non_member", "twice", "reordered", "flood", "oversized", "junk"],
)
def test_bad_evidence_refuses_the_block(items: tuple[bytes, ...], why: str) -> None:
    assert_refused_only_by_evidence_rules(child(NET.genesis, items, round_=2), why)


def test_evidence_an_ancestor_included_is_refused_and_proposers_leave_it_out() -> None:
    item = encode_evidence(double_vote())
    check = checker()
    first = child(NET.genesis, (item,), round_=2)
    check.check_block(first, NET.genesis)
    again = child(first, (item,))
    native().check_block(first, NET.genesis)
    with pytest.raises(InvalidBlock, match="already included"):
        check.check_block(again, first)
    assert select_evidence(check, first, 3, [item]) == ()
    assert select_evidence(check, NET.genesis, 3, [item]) == (item,)  # another branch may


def test_committed_evidence_is_refused_after_a_restart_from_the_index() -> None:
    evidence = double_vote()
    committed = checker()
    block = child(NET.genesis, (encode_evidence(evidence),), round_=2)
    committed.check_block(block, NET.genesis)
    committed.on_commit(block)
    assert get_offence(evidence) in committed.index
    restarted = checker(EvidenceIndex(committed.index.offences))
    reordered = encode_evidence(DoubleVote(evidence.second, evidence.first))
    with pytest.raises(InvalidBlock, match="already included"):
        restarted.check_block(child(block, (reordered,)), block)


def test_evidence_outside_the_age_window_is_refused() -> None:
    old = (encode_evidence(double_vote()),)
    assert_refused_only_by_evidence_rules(
        child(NET.genesis, old, round_=1 + MAX_EVIDENCE_AGE_ROUNDS), "age window"
    )
    assert_refused_only_by_evidence_rules(child(NET.genesis, old, round_=1), "age window")


def test_the_index_forgets_offences_older_than_the_window() -> None:
    index = EvidenceIndex()
    offence = get_offence(double_vote())
    assert index.add([offence], committed_round=2) == []
    assert index.add([], committed_round=1 + MAX_EVIDENCE_AGE_ROUNDS) == [offence]
    assert len(index) == 0
