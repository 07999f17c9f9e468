"""Route one decoded message to the core handler for its type (the node and the simulator)."""

from __future__ import annotations

from zkpov.consensus.actions import Action
from zkpov.consensus.core import ConsensusCore
from zkpov.errors import ConsensusError, DecodeError
from zkpov.spec.messages import BlockRequest, BlockResponse, Proposal, Timeout, Vote
from zkpov.types import ValidatorIndex

__all__ = ["SenderMismatch", "dispatch_message", "get_signer"]


class SenderMismatch(ConsensusError):
    """A proposal, vote or timeout from a peer other than its signer."""


def get_signer(message: object) -> int | None:
    """The validator that signed a proposal, vote or timeout (None for sync traffic)."""
    if isinstance(message, Proposal):
        return message.block.proposer
    if isinstance(message, Vote):
        return message.voter
    if isinstance(message, Timeout):
        return message.signer
    return None


def dispatch_message(
    core: ConsensusCore, message: object, sender: ValidatorIndex, now: float
) -> list[Action]:
    """``sender`` is the authenticated validator the message came from (sync replies go there).
    Proposals, votes and timeouts travel point to point from their signer, never relayed: one
    that names another validator is refused before any work (``SenderMismatch``), so no peer can
    spend our CPU on, or park in our tables, messages it did not sign."""
    signer = get_signer(message)
    if signer is not None and signer != sender:
        raise SenderMismatch(f"validator {sender} sent a message signed as {signer}")
    if isinstance(message, Proposal):
        return core.on_proposal(message, now)
    if isinstance(message, Vote):
        return core.on_vote(message, now)
    if isinstance(message, Timeout):
        return core.on_timeout(message, now)
    if isinstance(message, BlockRequest):
        return core.on_block_request(message, sender)
    if isinstance(message, BlockResponse):
        return core.on_block_response(message, sender, now)
    raise DecodeError(f"not a consensus message: {type(message).__name__}")
