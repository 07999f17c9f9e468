"""zkpov.devnet.evidence: committed evidence counted once per offence, only if it verifies."""

from __future__ import annotations

from tests.consensus.consensus_helpers import Net, make_net
from zkpov.consensus.equivocation import build_double_vote
from zkpov.devnet.evidence import count_evidence
from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.evidence import DoubleVote
from zkpov.spec.messages import Vote, VoteData
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex


def double_vote(net: Net, voter: int, round_: int, signer: int | None = None) -> bytes:
    data = VoteData(Epoch(0), Round(round_), BlockId(b"\x01" * 32), Round(0), net.genesis.id)
    sk = net.sks[voter if signer is None else signer]
    vote = Vote(data, ValidatorIndex(voter), net.scheme.sign(sk, data.signing_root))
    return encode_evidence(DoubleVote(vote, build_double_vote(vote, net.scheme, sk)))


def test_offences_are_counted_once_and_forged_or_junk_items_not_at_all() -> None:
    net = make_net(4)
    items = [
        double_vote(net, 1, 3),
        double_vote(net, 1, 3),  # the same offence, carried by a second block
        double_vote(net, 1, 4),
        double_vote(net, 2, 5, signer=0),  # blames 2, signed by 0: does not verify
        b"junk",
        b"",
    ]
    assert count_evidence(items, net.vset) == {("double_vote", 1, 3), ("double_vote", 1, 4)}
