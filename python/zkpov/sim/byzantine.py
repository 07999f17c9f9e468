"""Byzantine behaviours, as rewrites of an honest core's outgoing actions.

- ``equivocating_leader``: as leader, signs a second block for the round and sends the two
  proposals to every node in opposite orders for the two halves of the network;
- ``double_voter``: with each vote, also signs a vote for a fabricated block of the same round;
- ``withholder``: sends nothing (its core still runs, so it can resume being honest);
- ``invalid_block_proposer``: as leader, proposes an empty block that changes the state root;
- ``twins``: handled by the runner: two honest instances share one key and validator index.
"""

from __future__ import annotations

import dataclasses
import hashlib

from zkpov.consensus.actions import Action, Broadcast, SendTo
from zkpov.consensus.messages import Block, Proposal, Vote, VoteData
from zkpov.consensus.signing import SignatureScheme
from zkpov.types import BlockId, Root

__all__ = ["Equivocation", "rewrite_actions"]


@dataclasses.dataclass(frozen=True)
class Equivocation:
    """Two proposals to deliver in opposite orders to the two halves of the network."""

    first: Proposal
    second: Proposal


def _resign(block: Block, sk: bytes, scheme: SignatureScheme, tc: object) -> Proposal:
    signature = scheme.sign(sk, block.header.signing_root)
    return Proposal(block, signature, tc)  # type: ignore[arg-type]


def _equivocate(
    action: Broadcast, sk: bytes, scheme: SignatureScheme
) -> list[Action | Equivocation]:
    proposal = action.message
    if not isinstance(proposal, Proposal):
        return [action]
    twin = dataclasses.replace(proposal.block, payload=b"\x90")  # msgpack []: zero transfers
    return [Equivocation(proposal, _resign(twin, sk, scheme, proposal.tc))]


def _invalid_block(
    action: Broadcast, sk: bytes, scheme: SignatureScheme
) -> list[Action | Equivocation]:
    proposal = action.message
    if not isinstance(proposal, Proposal):
        return [action]
    forged_root = Root(hashlib.sha256(b"mint" + proposal.block.state_root).digest())
    block = dataclasses.replace(proposal.block, state_root=forged_root)
    return [Broadcast(_resign(block, sk, scheme, proposal.tc))]


def _double_vote(action: SendTo, sk: bytes, scheme: SignatureScheme) -> list[Action | Equivocation]:
    vote = action.message
    if not isinstance(vote, Vote):
        return [action]
    fake_id = BlockId(hashlib.sha256(b"fork" + vote.vote_data.block_id).digest())
    data: VoteData = dataclasses.replace(vote.vote_data, block_id=fake_id)
    fake = Vote(data, vote.voter, scheme.sign(sk, data.signing_root))
    return [action, SendTo(action.to, fake)]


def rewrite_actions(
    behaviour: str, actions: list[Action], sk: bytes, scheme: SignatureScheme
) -> list[Action | Equivocation]:
    """The actions a node with ``behaviour`` really performs."""
    result: list[Action | Equivocation] = []
    for action in actions:
        is_send = isinstance(action, Broadcast | SendTo)
        if behaviour == "withholder" and is_send:
            continue
        if behaviour == "equivocating_leader" and isinstance(action, Broadcast):
            result += _equivocate(action, sk, scheme)
        elif behaviour == "invalid_block_proposer" and isinstance(action, Broadcast):
            result += _invalid_block(action, sk, scheme)
        elif behaviour == "double_voter" and isinstance(action, SendTo):
            result += _double_vote(action, sk, scheme)
        else:
            result.append(action)
    return result
