"""Translating between registry indices (peers, stable across epochs) and one epoch's
consensus indices, and what changes in a core's inputs at an epoch's end."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from zkpov.chain.containers import RegistryIndex
from zkpov.consensus.actions import Action, RecordEvidence, SendTo
from zkpov.consensus.core import BlockBody, ConsensusCore, PayloadSource
from zkpov.consensus.epochs.boundary import EpochWindow
from zkpov.spec.messages import Block, BlockRequest, Proposal, Timeout, Vote
from zkpov.types import Epoch, ValidatorIndex

__all__ = [
    "empty_after",
    "get_consensus_index",
    "get_message_epoch",
    "get_own_index",
    "redirect",
    "serve_block_request",
    "to_registry",
]


def get_message_epoch(message: object) -> Epoch | None:
    """The epoch a proposal, vote or timeout is signed for (None for sync traffic)."""
    if isinstance(message, Proposal):
        return message.block.epoch
    if isinstance(message, Vote):
        return message.vote_data.epoch
    if isinstance(message, Timeout):
        return message.epoch
    return None


def get_own_index(members: Sequence[RegistryIndex], me: RegistryIndex) -> ValidatorIndex:
    """Our consensus index, or one past the set's end for an observer."""
    return ValidatorIndex(members.index(me) if me in members else len(members))


def get_consensus_index(
    members: Sequence[RegistryIndex], registry: RegistryIndex
) -> ValidatorIndex | None:
    return ValidatorIndex(members.index(registry)) if registry in members else None


def to_registry(action: Action, members: Sequence[RegistryIndex]) -> Action | None:
    """A core's action with its validator indices turned into registry indices (None: a send
    to no member)."""
    if isinstance(action, SendTo):
        if not 0 <= action.to < len(members):
            return None
        return SendTo(ValidatorIndex(members[action.to]), action.message)
    if isinstance(action, RecordEvidence):
        offender = ValidatorIndex(members[action.offender])
        return RecordEvidence(action.kind, offender, action.evidence)
    return action


def redirect(action: Action, to: RegistryIndex) -> Action:
    """A sync answer addressed to the peer that asked."""
    return SendTo(ValidatorIndex(to), action.message) if isinstance(action, SendTo) else action


def serve_block_request(
    cores: Iterable[ConsensusCore | None], request: BlockRequest, sender: RegistryIndex
) -> list[Action]:
    """Anyone may ask for blocks; the answer goes to the asker, from the first of ``cores``
    that holds them (the manager's current core, then the one of the epoch it just left: a
    validator catching up fetches the ending there)."""
    for core in cores:
        answer = [] if core is None else core.on_block_request(request, ValidatorIndex(0))
        if answer:
            return [redirect(a, sender) for a in answer]
    return []


def empty_after(source: PayloadSource | None, window: EpochWindow) -> PayloadSource | None:
    """The payload source, but no payload for blocks after the reconfiguration block."""
    if source is None:
        return None

    def get_body(parent: Block) -> BlockBody:
        return BlockBody() if parent.height >= window.reconfiguration_height else source(parent)

    return get_body
