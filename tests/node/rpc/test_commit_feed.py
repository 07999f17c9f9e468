"""The commit feed: events, and the per-block metrics it derives from the block itself."""

from __future__ import annotations

import dataclasses

from tests.consensus.consensus_helpers import make_net
from tests.node.rpc.test_metrics import value
from zkpov.node.rpc.commit_feed import MAX_REMEMBERED_PROPOSALS, CommitFeed
from zkpov.node.rpc.events import EventHub
from zkpov.node.rpc.metrics import NodeMetrics
from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.evidence import DoubleVote
from zkpov.spec.messages import Block, Proposal, QuorumCert, Vote, VoteData
from zkpov.types import BlockId, Epoch, Height, Round, ValidatorIndex

NET = make_net(4, scheme="insecure-hash", stakes=[10, 20, 30, 40])
SIG = b"\x01" * 96


def block_with(signers: list[int], evidence: tuple[bytes, ...] = ()) -> Block:
    data = VoteData(Epoch(0), Round(1), NET.genesis.id, Round(0), NET.genesis.id)
    qc = QuorumCert(data, compute_bitfield(signers, 4), SIG)
    return Block(
        Epoch(0), Round(2), Height(2), NET.genesis.id, ValidatorIndex(0), NET.genesis.state_root,
        qc, evidence=evidence, randao_reveal=SIG,
    )  # fmt: skip


def double_vote(voter: int) -> bytes:
    first = VoteData(Epoch(0), Round(3), BlockId(b"a" * 32), Round(2), BlockId(b"p" * 32))
    second = dataclasses.replace(first, block_id=BlockId(b"b" * 32))
    pair = (Vote(first, ValidatorIndex(voter), SIG), Vote(second, ValidatorIndex(voter), SIG))
    return encode_evidence(DoubleVote(*pair))


def test_missing_power_offenders_and_latency_come_from_the_block() -> None:
    metrics = NodeMetrics()
    feed = CommitFeed(EventHub(), metrics, NET.vset)
    block = block_with([1, 3], (double_vote(2), double_vote(2), double_vote(0), b"junk"))
    feed.on_proposal(Proposal(block, SIG))
    feed.on_block_committed(block, 0)
    assert value(metrics, "zkpov_consensus_missing_validators_power") == 10 + 30
    assert value(metrics, "zkpov_consensus_byzantine_validators") == 2
    assert value(metrics, "zkpov_consensus_commit_latency_seconds_count") == 1
    assert block.id not in feed.proposed_at


def test_the_genesis_certificate_misses_no_power() -> None:
    metrics = NodeMetrics()
    feed = CommitFeed(EventHub(), metrics, NET.vset)
    data = NET.genesis_qc.vote_data
    block = dataclasses.replace(block_with([]), qc=QuorumCert(data, compute_bitfield([], 4), b""))
    feed.on_block_committed(block, 0)
    assert value(metrics, "zkpov_consensus_missing_validators_power") == 0


def test_remembered_proposals_are_bounded() -> None:
    feed = CommitFeed(EventHub(), NodeMetrics(), NET.vset)
    for round_ in range(MAX_REMEMBERED_PROPOSALS + 10):
        block = dataclasses.replace(block_with([1]), round=Round(round_ + 2))
        feed.on_proposal(Proposal(block, SIG))
    assert len(feed.proposed_at) == MAX_REMEMBERED_PROPOSALS
