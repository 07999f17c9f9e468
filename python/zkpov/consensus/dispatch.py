"""Route one decoded message to the core handler for its type (the node and the simulator)."""

from __future__ import annotations

from zkpov.consensus.actions import Action
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.messages import BlockRequest, BlockResponse, Proposal, Timeout, Vote
from zkpov.errors import DecodeError
from zkpov.types import ValidatorIndex

__all__ = ["dispatch_message"]


def dispatch_message(
    core: ConsensusCore, message: object, sender: ValidatorIndex, now: float
) -> list[Action]:
    """``sender`` is the authenticated validator the message came from (sync replies go there)."""
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
