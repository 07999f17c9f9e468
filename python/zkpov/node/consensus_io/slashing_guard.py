"""The slashing guard: where the slashing-protection DB is consulted before anything is sent.

The driver passes every outgoing message through ``DriverHooks.before_send``; the node sets it
to a :class:`SlashingGuard`, which records this validator's own votes, timeouts and proposals
in the slashing DB first and drops one that conflicts with a signature made earlier, across
restarts too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from zkpov.consensus.interpreter import OwnIndex, get_own
from zkpov.spec.messages import Message, Proposal, Timeout, Vote
from zkpov.storage.slashing_db import SlashingDB, SlashingProtectionError
from zkpov.types import Epoch

__all__ = ["SlashingGuard"]

log = logging.getLogger(__name__)


@dataclass
class SlashingGuard:
    """Records every own vote, timeout and proposal in the slashing DB before it is sent, and
    refuses (drops) one that conflicts with a signature made earlier, across restarts too.
    ``index``: our validator index, or under epochs a function of the epoch (ours may change)."""

    db: SlashingDB
    index: OwnIndex
    pubkey: bytes

    def __call__(self, message: Message) -> bool:
        try:
            self._record(message)
        except SlashingProtectionError as err:
            log.error("slashing protection refused an outgoing message: %s", err)
            return False
        return True

    def _record(self, message: Message) -> None:
        if isinstance(message, Vote) and self._is_own(message.voter, message.vote_data.epoch):
            data = message.vote_data
            self.db.check_and_record_vote(self.pubkey, data.epoch, data.round, data.signing_root)
        elif isinstance(message, Timeout) and self._is_own(message.signer, message.epoch):
            self.db.check_and_record_timeout(
                self.pubkey, message.epoch, message.round, message.signing_root
            )
        elif isinstance(message, Proposal) and self._is_own(
            message.block.proposer, message.block.epoch
        ):
            header = message.block.header
            self.db.check_and_record_proposal(
                self.pubkey, header.epoch, header.round, header.signing_root
            )

    def _is_own(self, signer: int, epoch: Epoch) -> bool:
        return signer == get_own(self.index, epoch)
