"""Routing messages to the core: signed messages come only from their signer."""

from __future__ import annotations

import pytest

from tests.consensus.consensus_helpers import make_net
from zkpov.consensus.dispatch import SenderMismatch, dispatch_message
from zkpov.spec.messages import Vote, VoteData
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex


def test_a_vote_relayed_by_another_peer_is_refused_before_any_work() -> None:
    net = make_net(4)
    core = net.cores[0]
    core.start(0.0)
    data = VoteData(Epoch(0), Round(1), BlockId(b"\x01" * 32), Round(0), net.genesis.id)
    vote = Vote(data, ValidatorIndex(2), net.scheme.sign(net.sks[2], data.signing_root))
    with pytest.raises(SenderMismatch, match="validator 3 sent a message signed as 2"):
        dispatch_message(core, vote, ValidatorIndex(3), 0.0)
    assert core.votes == {}
    dispatch_message(core, vote, ValidatorIndex(2), 0.0)  # from its voter: collected
    assert core.get_table_sizes()["votes"] == 1
