"""Voters check the header fields light clients read: the proposer's timestamp (after its
parent's, at most MAX_TIMESTAMP_DRIFT_MS ahead of the voter's clock) and the validator-set
commitments. Each refused proposal is the honest one with one field changed and re-signed, and
the honest one is voted for: the check, not the signature, refuses it."""

from __future__ import annotations

import dataclasses

import pytest

from tests.consensus.consensus_helpers import Net, make_net
from zkpov.consensus.actions import Action, Broadcast, SendTo
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.equivocation import sign_proposal
from zkpov.consensus.proposals import InvalidProposal, get_block_timestamp
from zkpov.constants import MAX_TIMESTAMP_DRIFT_MS
from zkpov.spec.messages import Proposal, Vote
from zkpov.spec.validators import compute_validator_set_commitment

NOW = 7.0  # the voters' clock, seconds (wall offset 0: 7,000 ms)


def _setup() -> tuple[Net, Proposal, ConsensusCore]:
    net = make_net(4, scheme="insecure-hash", leaders={1: 0})
    actions = net.cores[0].start(NOW)
    proposal = next(
        a.message for a in actions if isinstance(a, Broadcast) and isinstance(a.message, Proposal)
    )
    voter = net.cores[1]
    voter.start(NOW)
    return net, proposal, voter


def _with(net: Net, proposal: Proposal, **fields: object) -> Proposal:
    block = dataclasses.replace(proposal.block, **fields)  # type: ignore[arg-type]
    return sign_proposal(block, net.scheme, net.sks[0], proposal.tc)


def _votes(actions: list[Action]) -> list[Vote]:
    return [a.message for a in actions if isinstance(a, SendTo) and isinstance(a.message, Vote)]


def test_an_honest_proposal_carries_the_fields_and_is_voted_for() -> None:
    net, proposal, voter = _setup()
    block = proposal.block
    assert block.timestamp_ms == int(NOW * 1000) > net.genesis.timestamp_ms == 0
    assert block.validator_set_commitment == net.vset.commitment
    assert net.vset.commitment == compute_validator_set_commitment(
        net.vset.epoch, net.vset.pubkeys, net.vset.stakes
    )
    assert block.next_validator_set_commitment == b""
    assert len(_votes(voter.on_proposal(proposal, NOW))) == 1


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"timestamp_ms": 7_000 + MAX_TIMESTAMP_DRIFT_MS + 1}, "in the future"),
        ({"timestamp_ms": 0}, "not later than its parent"),
        ({"validator_set_commitment": bytes(32)}, "another validator set"),
        ({"next_validator_set_commitment": b"\x01" * 32}, "next validator set"),
    ],
)
def test_a_bad_header_field_is_refused_before_anything_changes(
    fields: dict[str, object], reason: str
) -> None:
    net, proposal, voter = _setup()
    before = (voter.safety.data, dict(voter.tree.blocks), voter.pacemaker.round)
    with pytest.raises(InvalidProposal, match=reason):
        voter.on_proposal(_with(net, proposal, **fields), NOW)
    assert (voter.safety.data, dict(voter.tree.blocks), voter.pacemaker.round) == before
    assert len(_votes(voter.on_proposal(proposal, NOW))) == 1  # the honest one still passes


def test_a_timestamp_at_the_drift_bound_is_accepted() -> None:
    net, proposal, voter = _setup()
    edge = _with(net, proposal, timestamp_ms=7_000 + MAX_TIMESTAMP_DRIFT_MS)
    assert len(_votes(voter.on_proposal(edge, NOW))) == 1


def test_a_lagging_proposer_still_steps_past_its_parent() -> None:
    net, proposal, voter = _setup()
    voter.on_proposal(_with(net, proposal, timestamp_ms=9_000), NOW)
    parent = next(b for b in voter.tree.blocks.values() if b.height == 1)
    assert parent.timestamp_ms == 9_000
    assert get_block_timestamp(parent, wall_ms=8_000) == 9_001
    assert get_block_timestamp(parent, wall_ms=12_000) == 12_000


def test_the_fields_are_covered_by_the_block_id_and_the_signature() -> None:
    _, proposal, _ = _setup()
    block = proposal.block
    for change in (
        {"timestamp_ms": block.timestamp_ms + 1},
        {"validator_set_commitment": bytes(32)},
        {"next_validator_set_commitment": bytes(32)},
    ):
        other = dataclasses.replace(block, **change)  # type: ignore[arg-type]
        assert other.id != block.id
        assert other.header.signing_root != block.header.signing_root
