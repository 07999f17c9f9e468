"""The slashing guard: where the slashing-protection DB is consulted before anything is sent.

The driver passes every outgoing message through ``DriverHooks.before_send``; the node sets it
to a :class:`SlashingGuard`, which records this validator's own votes, timeouts and proposals
in the slashing DB first and drops one that conflicts with a signature made earlier, across
restarts too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from zkpov.spec.messages import Message, Proposal, Timeout, Vote
from zkpov.storage.slashing_db import SlashingDB, SlashingProtectionError
from zkpov.types import ValidatorIndex

__all__ = ["SlashingGuard"]

log = logging.getLogger(__name__)


@dataclass
class SlashingGuard:
    """Records every own vote, timeout and proposal in the slashing DB before it is sent, and
    refuses (drops) one that conflicts with a signature made earlier, across restarts too."""

    db: SlashingDB
    index: ValidatorIndex
    pubkey: bytes

    def __call__(self, message: Message) -> bool:
        try:
            self._record(message)
        except SlashingProtectionError as err:
            log.error("slashing protection refused an outgoing message: %s", err)
            return False
        return True

    def _record(self, message: Message) -> None:
        if isinstance(message, Vote) and message.voter == self.index:
            data = message.vote_data
            self.db.check_and_record_vote(self.pubkey, data.epoch, data.round, data.signing_root)
        elif isinstance(message, Timeout) and message.signer == self.index:
            self.db.check_and_record_timeout(
                self.pubkey, message.epoch, message.round, message.signing_root
            )
        elif isinstance(message, Proposal) and message.block.proposer == self.index:
            header = message.block.header
            self.db.check_and_record_proposal(
                self.pubkey, header.epoch, header.round, header.signing_root
            )
