"""Equivocating messages: a second, conflicting signature for a round one already signed.

Built by the simulator's Byzantine kinds (``double_voter``, ``equivocating_leader``) and by the
node's attack modes (``zkpov start --byzantine``). Whatever they build is slashable evidence
against the signer; honest code never calls them.
"""

from __future__ import annotations

import dataclasses
import hashlib

from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.evidence import DoubleVote
from zkpov.spec.messages import Block, Proposal, TimeoutCert, Vote, VoteData
from zkpov.spec.signing import SignatureScheme
from zkpov.types import BlockId, Round, ValidatorIndex

__all__ = ["build_double_vote", "build_twin_proposal", "forge_double_vote", "sign_proposal"]

EMPTY_TRANSFER_LIST = b"\x90"  # msgpack []: zero transfers, and never the honest empty b""


def sign_proposal(
    block: Block, scheme: SignatureScheme, sk: bytes, tc: TimeoutCert | None
) -> Proposal:
    """``block`` signed with ``sk``, with ``tc``."""
    return Proposal(block, scheme.sign(sk, block.header.signing_root), tc)


def build_twin_proposal(proposal: Proposal, scheme: SignatureScheme, sk: bytes) -> Proposal:
    """A second block for ``proposal``'s round, differing in its payload, signed with ``sk``:
    with ``proposal`` it is a double proposal."""
    twin = dataclasses.replace(proposal.block, payload=EMPTY_TRANSFER_LIST)
    return sign_proposal(twin, scheme, sk, proposal.tc)


def build_double_vote(vote: Vote, scheme: SignatureScheme, sk: bytes) -> Vote:
    """A vote of ``vote``'s voter and round for a fabricated block, signed with ``sk``: with
    ``vote`` it is a double vote."""
    fake_id = BlockId(hashlib.sha256(b"fork" + vote.vote_data.block_id).digest())
    data: VoteData = dataclasses.replace(vote.vote_data, block_id=fake_id)
    return Vote(data, vote.voter, scheme.sign(sk, data.signing_root))


def forge_double_vote(
    victim: ValidatorIndex, round_: Round, block: Block, scheme: SignatureScheme, sk: bytes
) -> bytes:
    """Encoded evidence framing ``victim``: two of its votes for different blocks of
    ``round_`` in ``block``'s epoch, signed with ``sk`` (not the victim's key), so they do not
    verify. Built by the node's ``forged_evidence`` mode and the simulator's
    ``forged_evidence_proposer``."""
    votes = []
    for fill in (b"\x01", b"\x02"):
        data = VoteData(block.epoch, round_, BlockId(fill * 32), Round(round_ - 1), block.parent_id)
        votes.append(Vote(data, victim, scheme.sign(sk, data.signing_root)))
    return encode_evidence(DoubleVote(*votes))
