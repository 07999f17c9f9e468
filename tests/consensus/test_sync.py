"""zkpov.consensus.sync: block-sync answers stay within what the asker's decoder accepts."""

from __future__ import annotations

import dataclasses

import pytest

from tests.consensus.consensus_helpers import Router, make_net
from tests.consensus.test_core import drive
from zkpov.consensus import sync
from zkpov.constants import MAX_MESSAGE_BYTES, MAX_PAYLOAD_BYTES
from zkpov.errors import DecodeError
from zkpov.spec.codec.messages import decode_message, encode_message
from zkpov.spec.messages import BlockRequest, BlockResponse
from zkpov.types import ValidatorIndex


def test_an_answer_of_large_blocks_is_cut_to_fit_a_message() -> None:
    net = make_net(4, scheme="insecure-hash")
    router = Router(net)
    drive(net, router, until=0.06)
    core = net.cores[0]
    newest = max(core.tree.blocks.values(), key=lambda b: b.height)
    chain = core.tree.get_ancestors(newest.id, 64)
    assert len(chain) >= 8
    big = {b.id: dataclasses.replace(b, payload=bytes(MAX_PAYLOAD_BYTES - 64)) for b in chain}
    unbounded = BlockResponse(tuple(big[b.id] for b in chain))
    with pytest.raises(DecodeError):  # without the byte bound the asker refuses the answer
        decode_message(encode_message(unbounded))
    core.tree.blocks.update(big)
    answer = core.sync.on_block_request(BlockRequest(newest.id, 64), ValidatorIndex(1))[0].message
    assert isinstance(answer, BlockResponse)
    assert 1 < len(answer.blocks) < len(chain)
    assert [b.height for b in answer.blocks] == [b.height for b in chain[: len(answer.blocks)]]
    assert len(encode_message(answer)) <= MAX_MESSAGE_BYTES
    assert isinstance(decode_message(encode_message(answer)), BlockResponse)


def test_small_blocks_are_answered_in_full() -> None:
    net = make_net(4, scheme="insecure-hash")
    router = Router(net)
    drive(net, router, until=0.06)
    core = net.cores[0]
    newest = max(core.tree.blocks.values(), key=lambda b: b.height)
    answer = core.sync.on_block_request(BlockRequest(newest.id, 64), ValidatorIndex(1))[0].message
    assert isinstance(answer, BlockResponse)
    assert len(answer.blocks) == len(core.tree.get_ancestors(newest.id, 64))
    assert sync.SYNC_ANSWER_BYTES == MAX_MESSAGE_BYTES // 2
