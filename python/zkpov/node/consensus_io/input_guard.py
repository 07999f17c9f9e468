"""Checks on consensus input before the core sees it, and what a rejection says about a peer.

Proposals, votes and timeouts travel point to point from their author: the node relays none of
them (consensus frames go straight from the transport to the driver, and the core echoes a
timeout by signing its own). So a message whose author is not the authenticated peer that sent
it is forged or replayed: ``dispatch_message`` refuses it (``SenderMismatch``) before the core
spends a signature check on it, and the sender is penalised like any forger.
"""

from __future__ import annotations

import logging

from zkpov.consensus.dispatch import SenderMismatch
from zkpov.consensus.proposals import InvalidProposal
from zkpov.consensus.quorum import InvalidCertificate, InvalidTimeout, InvalidVote
from zkpov.errors import DecodeError, ZkpovError
from zkpov.network.ratelimit import TokenBucket
from zkpov.types import ValidatorIndex

__all__ = [
    "REJECT_REASONS",
    "ForgedTransfer",
    "RejectionLog",
    "get_reject_reason",
    "is_verification_failure",
]

log = logging.getLogger("zkpov.node.consensus_io.driver")

REJECT_REASONS = ("decode", "wrong_sender", "verification", "other")  # a metric's label values


class ForgedTransfer(ZkpovError):
    """A peer gossiped a transfer whose signature does not verify. Honest nodes send only the
    transfers their mempool admitted, which verified it: this one was forged or corrupted."""


_VERIFICATION = (InvalidVote, InvalidTimeout, InvalidCertificate, InvalidProposal, ForgedTransfer)
LOG_LINES_PER_SECOND = 0.2  # per peer, after a burst of LOG_BURST lines
LOG_BURST = 5.0


_PENALISED = (DecodeError, SenderMismatch, *_VERIFICATION)


def is_verification_failure(err: Exception) -> bool:
    """The peer sent something no honest node sends: bad bytes, bad signatures, a forgery."""
    return isinstance(err, _PENALISED)


def get_reject_reason(err: Exception) -> str:
    """One of ``REJECT_REASONS`` (metric label)."""
    if isinstance(err, DecodeError):
        return "decode"
    if isinstance(err, SenderMismatch):
        return "wrong_sender"
    return "verification" if isinstance(err, _VERIFICATION) else "other"


class RejectionLog:
    """Logs rejected input at WARNING, at most a few lines per peer; the lines it skips are
    counted in the next one, so one noisy peer cannot flood the log."""

    def __init__(self, rate: float = LOG_LINES_PER_SECOND, burst: float = LOG_BURST) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[ValidatorIndex, TokenBucket] = {}
        self._skipped: dict[ValidatorIndex, int] = {}

    def on_rejected(self, sender: ValidatorIndex, err: Exception, now: float) -> bool:
        """Logs the rejection unless ``sender`` is over its rate; True if it was logged."""
        bucket = self._buckets.setdefault(sender, TokenBucket(self.rate, self.burst, now))
        if not bucket.try_take(1, now):
            self._skipped[sender] = self._skipped.get(sender, 0) + 1
            return False
        skipped = self._skipped.pop(sender, 0)
        log.warning(
            "rejected input from validator %d: %s: %s (%d earlier rejections not logged)",
            sender, type(err).__name__, err, skipped,
        )  # fmt: skip
        return True
