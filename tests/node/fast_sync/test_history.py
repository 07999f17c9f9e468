"""The history below a checkpoint: a node serves it in capped pages from its committed blocks,
the client checks every link and evidence digest, and the offence index it rebuilds is the
replayed node's. So a block that re-includes an offence committed before the checkpoint is
refused by the fast-synced node's checker with the replayed node's error; over no index (what
fast sync installed before) the same block passed: honest nodes disagreed on its validity."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.memory_block_store import MemoryBlockStore
from tests.support.signed_chain import SECRETS, SignedChain, make_chain
from zkpov.chain.state import AccountState
from zkpov.consensus.actions import Commit
from zkpov.consensus.evidence_check import EvidenceChecker
from zkpov.consensus.evidence_index import MAX_EVIDENCE_AGE_ROUNDS, EvidenceIndex, get_offence
from zkpov.consensus.factory import ChainStart
from zkpov.crypto import bls
from zkpov.errors import FastSyncAnswerError, FastSyncHistoryError
from zkpov.node.fast_sync.history import (
    MAX_PAGE_ENTRIES,
    PAGE_BYTES,
    HistoryPage,
    build_history_page,
    compute_offences,
    fetch_history,
)
from zkpov.node.fast_sync.history_wire import decode_history_page, encode_history_page
from zkpov.node.fast_sync.server import FastSyncServer
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.evidence import DoubleVote
from zkpov.spec.messages import Block, Vote, VoteData
from zkpov.spec.payload import InvalidBlock, compute_root_bytes
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

ROOT = compute_root_bytes(AccountState(8).root)
GetPage = Callable[[int], HistoryPage]


def double_vote(round_: int, voter: int = 0) -> DoubleVote:
    votes = []
    for fill in (b"\x01", b"\x02"):
        data = VoteData(Epoch(0), Round(round_), BlockId(fill * 32), Round(round_ - 1),
                        BlockId(bytes(32)))  # fmt: skip
        votes.append(Vote(data, ValidatorIndex(voter), bls.sign(SECRETS[voter], data.signing_root)))
    return DoubleVote(*votes)


def make_committed(length: int, evidence_at: dict[int, tuple[bytes, ...]]) -> SignedChain:
    return make_chain(length, ROOT, evidence_at=evidence_at)


def commit(signed: SignedChain) -> CommittedChain:
    """A node that replayed ``signed`` from genesis (its ledger built the offence index)."""
    start = ChainStart(signed.vset, signed.blocks[0], signed.qcs[0])
    chain = CommittedChain(MemoryBlockStore(), start, AccountState(8))
    top = len(signed.blocks) - 1
    chain.on_commit(Commit(tuple(signed.blocks[1:]), signed.qcs[top]), signed.qcs[top])
    return chain


def serve(server: FastSyncServer, height: int, asked: list[int] | None = None) -> GetPage:
    """Pages over JSON, as the client gets them (``asked`` records the starts asked for)."""

    def get_page(start: int) -> HistoryPage:
        if asked is not None:
            asked.append(start)
        page = server.get_history_page(height, start)
        if page is None:
            raise FastSyncAnswerError("answered HTTP 404")  # what the client raises on a 404
        return decode_history_page(json.loads(json.dumps(encode_history_page(page))))

    return get_page


class Accepting:
    """An inner checker that accepts every block: only the evidence rules can refuse."""

    def check_block(self, block: Block, parent: Block) -> None:
        pass

    def compute_post_root(self, parent: Block, payload: bytes) -> Root:
        return parent.state_root

    def compute_staking_root(self, block: Block, parent: Block) -> bytes:
        return b""

    def on_commit(self, block: Block) -> None:
        pass


def re_include(parent: Block, evidence: DoubleVote) -> Block:
    """A block on ``parent`` carrying ``evidence`` again, its votes swapped (the same offence)."""
    swapped = encode_evidence(DoubleVote(evidence.second, evidence.first))
    return dataclasses.replace(
        parent, round=Round(parent.round + 1), height=Height(parent.height + 1),
        parent_id=parent.id, evidence=(swapped,),
    )  # fmt: skip


def test_the_fast_synced_index_refuses_an_offence_included_before_the_checkpoint() -> None:
    offence = double_vote(2)
    signed = make_committed(8, {3: (encode_evidence(offence),)})
    replayed = commit(signed)
    asked: list[int] = []
    get_page = serve(FastSyncServer(replayed, lambda: None), 6, asked)
    history = fetch_history(get_page, signed.blocks[6])
    assert [e.header.height for e in history] == [6, 5, 4, 3, 2, 1] and asked == [6]
    offences = compute_offences(history)
    assert offences == sorted(replayed.ledger.index.offences) == [get_offence(offence)]
    block, parent = re_include(signed.blocks[8], offence), signed.blocks[8]
    errors = []
    for index in (replayed.ledger.index, EvidenceIndex(offences)):
        with pytest.raises(InvalidBlock) as refused:
            EvidenceChecker(Accepting(), signed.vset, index).check_block(block, parent)
        errors.append(str(refused.value))
    assert errors[0] == errors[1] and "already included" in errors[0]
    EvidenceChecker(Accepting(), signed.vset, EvidenceIndex()).check_block(block, parent)


def make_blocks(rounds: list[int], evidence: tuple[bytes, ...] = ()) -> dict[int, Block]:
    """Unsigned linked blocks at heights 1.. with ``rounds`` (the history needs no QCs)."""
    genesis = make_chain(0, ROOT).blocks[0]
    blocks = {0: genesis}
    for height, round_ in enumerate(rounds, start=1):
        parent = blocks[height - 1]
        blocks[height] = dataclasses.replace(
            parent, round=Round(round_), height=Height(height), parent_id=parent.id,
            evidence=evidence,
        )  # fmt: skip
    return blocks


def test_the_history_ends_at_the_first_block_1024_rounds_below_in_capped_pages() -> None:
    blocks = make_blocks([5 * h for h in range(1, 301)])  # checkpoint at 300, round 1500
    asked: list[int] = []

    def get_page(start: int) -> HistoryPage:
        asked.append(start)
        page = build_history_page(blocks.get, 300, start)
        assert page is not None and len(page.entries) <= MAX_PAGE_ENTRIES
        return page

    history = fetch_history(get_page, blocks[300])
    assert history[-1].header.round <= 1500 - MAX_EVIDENCE_AGE_ROUNDS < history[-2].header.round
    assert len(history) == 300 - 95 + 1 and asked == [300, 300 - MAX_PAGE_ENTRIES]
    assert compute_offences(history) == []


def test_a_page_stops_at_its_byte_cap_but_always_holds_one_block() -> None:
    blocks = make_blocks(list(range(1, 41)), evidence=(b"\x00" * 2000,) * 16)
    page = build_history_page(blocks.get, 40, 40)
    assert page is not None and 1 < len(page.entries) < 40
    assert sum(e.size for e in page.entries) <= PAGE_BYTES
    assert build_history_page(blocks.get, 40, 41) is None  # above the checkpoint
    assert build_history_page(lambda h: blocks[h] if h >= 20 else None, 40, 19) is None  # pruned


def corrupt(get_page: GetPage, height: int, **changes: Any) -> GetPage:
    """``get_page`` with the entry at ``height`` changed."""

    def get(start: int) -> HistoryPage:
        page = get_page(start)
        entries = tuple(
            dataclasses.replace(e, **changes) if e.header.height == height else e
            for e in page.entries
        )
        return dataclasses.replace(page, entries=entries)

    return get


def serve_chain() -> tuple[SignedChain, GetPage]:
    signed = make_committed(6, {3: (encode_evidence(double_vote(2)),)})
    return signed, serve(FastSyncServer(commit(signed), lambda: None), 5)


def test_a_broken_link_is_refused() -> None:
    signed, get_page = serve_chain()
    header = signed.blocks[2].header
    forged = dataclasses.replace(header, timestamp_ms=header.timestamp_ms + 1)
    with pytest.raises(FastSyncHistoryError, match="at height 2 does not link"):
        fetch_history(corrupt(get_page, 2, header=forged), signed.blocks[5])


def test_a_wrong_evidence_digest_is_refused() -> None:
    signed, get_page = serve_chain()
    with pytest.raises(FastSyncHistoryError, match="evidence of block 3 is not its header's"):
        fetch_history(corrupt(get_page, 3, evidence=()), signed.blocks[5])


def get_page_of(blocks: dict[int, Block], height: int, start: int) -> HistoryPage:
    page = build_history_page(blocks.get, height, start)
    return HistoryPage(height, start, ()) if page is None else page


def test_another_page_than_asked_or_a_page_past_the_end_is_refused() -> None:
    blocks = make_blocks(list(range(1, 9)))
    with pytest.raises(FastSyncAnswerError, match="not the one asked for"):
        fetch_history(lambda start: get_page_of(blocks, 8, 7), blocks[8])
    page = get_page_of(blocks, 8, 8)
    long = dataclasses.replace(page, entries=page.entries * 2)
    with pytest.raises(FastSyncHistoryError, match="past the history's end"):
        fetch_history(lambda start: long, blocks[8])


def test_a_server_without_the_blocks_below_fails_fast_sync_cleanly() -> None:
    blocks = make_blocks(list(range(1, 9)))
    retained = {h: b for h, b in blocks.items() if h >= 6}  # pruned, or a fast-synced base
    assert build_history_page(retained.get, 8, 5) is None  # the RPC answers 404
    with pytest.raises(FastSyncAnswerError, match="history page 5 is not the one asked for"):
        fetch_history(lambda start: get_page_of(retained, 8, start), blocks[8])
