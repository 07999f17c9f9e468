"""The equivocation builders shared by the simulator and the node's attack modes: what they
build is evidence that verifies against the signer (real BLS)."""

from __future__ import annotations

from tests.consensus.consensus_helpers import make_net
from zkpov.consensus.equivocation import build_double_vote, build_twin_proposal, sign_proposal
from zkpov.spec.evidence import DoubleProposal, DoubleVote, get_signed_header, verify_evidence
from zkpov.spec.messages import Block, Vote, VoteData
from zkpov.types import BlockId, Epoch, Height, Round, ValidatorIndex


def test_a_double_vote_is_verifiable_evidence_against_the_voter() -> None:
    net = make_net(4)
    data = VoteData(Epoch(0), Round(1), BlockId(b"\x01" * 32), Round(0), net.genesis.id)
    honest = Vote(data, ValidatorIndex(2), net.scheme.sign(net.sks[2], data.signing_root))
    double = build_double_vote(honest, net.scheme, net.sks[2])
    assert double.vote_data.round == 1 and double.vote_data.block_id != data.block_id
    assert verify_evidence(DoubleVote(honest, double), net.vset) == 2


def test_a_twin_proposal_is_verifiable_evidence_against_the_proposer() -> None:
    net = make_net(4)
    block = Block(
        Epoch(0), Round(1), Height(1), net.genesis.id, ValidatorIndex(1),
        net.genesis.state_root, net.genesis_qc,
    )  # fmt: skip
    honest = sign_proposal(block, net.scheme, net.sks[1], None)
    twin = build_twin_proposal(honest, net.scheme, net.sks[1])
    assert twin.block.round == 1 and twin.block.id != block.id
    evidence = DoubleProposal(get_signed_header(honest), get_signed_header(twin))
    assert verify_evidence(evidence, net.vset) == 1
