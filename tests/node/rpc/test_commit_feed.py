"""The commit feed: events, and the per-block metrics it derives from the block itself."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses

from tests.consensus.consensus_helpers import make_net
from tests.node.rpc.test_metrics import value
from zkpov.consensus.block_tree import BlockTree
from zkpov.node.rpc.commit_feed import MAX_REMEMBERED_PROPOSALS, CommitFeed
from zkpov.node.rpc.events import EventHub, QueueSubscription
from zkpov.node.rpc.metrics import NodeMetrics
from zkpov.node.rpc.view import EventKind, NodeEvent, SubscriptionClosedError
from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.codec.payload import encode_payload
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


def certified_tree(block: Block) -> BlockTree:
    tree = BlockTree(NET.genesis, NET.genesis_qc)
    tree.insert(block)
    return tree


def test_a_new_highest_qc_publishes_new_block_once() -> None:
    hub = EventHub()
    feed = CommitFeed(hub, NodeMetrics(), NET.vset)
    subscription = hub.subscribe(frozenset({EventKind.NEW_BLOCK}))
    block = dataclasses.replace(block_with([0, 1, 2]), payload=encode_payload([b"t1", b"t2"]))
    tree = certified_tree(block)
    feed.on_certified(tree)  # the genesis QC: nothing
    tree.observe_qc(QuorumCert(make_vote_data(block), compute_bitfield([0, 1, 2], 4), SIG))
    feed.on_certified(tree)
    feed.on_certified(tree)  # the same QC again: nothing new
    (event,) = drain(hub, subscription)
    assert (event.kind, event.block_id, event.height, event.num_txs) == (
        EventKind.NEW_BLOCK, block.id, block.height, 2,
    )  # fmt: skip


def test_a_qc_for_a_block_not_held_publishes_nothing_yet() -> None:
    hub = EventHub()
    feed = CommitFeed(hub, NodeMetrics(), NET.vset)
    subscription = hub.subscribe(frozenset({EventKind.NEW_BLOCK}))
    tree = BlockTree(NET.genesis, NET.genesis_qc)
    unknown = block_with([0, 1, 2])
    tree.observe_qc(QuorumCert(make_vote_data(unknown), compute_bitfield([0, 1, 2], 4), SIG))
    feed.on_certified(tree)
    assert drain(hub, subscription) == [] and feed.last_certified_height == 0


def drain(hub: EventHub, subscription: QueueSubscription) -> list[NodeEvent]:
    """Every event queued for ``subscription`` (closing the hub ends it)."""
    hub.close()
    events: list[NodeEvent] = []

    async def pull() -> None:
        with contextlib.suppress(SubscriptionClosedError):
            while True:
                events.append(await subscription.get())

    asyncio.run(pull())
    return events


def test_blocks_certified_within_one_step_are_all_published_oldest_first() -> None:
    hub = EventHub()
    feed = CommitFeed(hub, NodeMetrics(), NET.vset)
    subscription = hub.subscribe(frozenset({EventKind.NEW_BLOCK}))
    first = block_with([0, 1, 2])
    tree = certified_tree(first)
    first_qc = QuorumCert(make_vote_data(first), compute_bitfield([0, 1, 2], 4), SIG)
    second = dataclasses.replace(
        first, round=Round(3), height=Height(3), parent_id=first.id, qc=first_qc
    )
    tree.insert(second)
    tree.observe_qc(QuorumCert(make_vote_data(second), compute_bitfield([0, 1, 2], 4), SIG))
    feed.on_certified(tree)
    assert [e.block_id for e in drain(hub, subscription)] == [first.id, second.id]


def make_vote_data(block: Block) -> VoteData:
    return VoteData(Epoch(0), block.round, block.id, block.qc.round, block.parent_id)
