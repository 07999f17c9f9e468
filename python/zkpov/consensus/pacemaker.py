"""Pacemaker: the current round, its deadline and exponential backoff.

``round = max(hqc.round, htc.round) + 1`` and never decreases. A round entered through a TC counts
as one more consecutive timeout; a round entered through a QC resets the count. The round timeout
is ``base * 1.2 ** min(k, 30)`` (the cap outgrows any realistic post-GST delay). Lost messages
are recovered by retransmission: once per round, half-way between the leader's block time and the
deadline, the core re-sends its proposal or vote of the round; after a local timeout it re-sends
its timeout (and its vote) every period.
"""

from __future__ import annotations

from zkpov.constants import TIMEOUT_BACKOFF, TIMEOUT_BACKOFF_MAX_EXPONENT
from zkpov.types import Round

__all__ = ["Pacemaker", "compute_timeout_duration"]

ROUND_ZERO = Round(0)


def compute_timeout_duration(base: float, consecutive_timeouts: int) -> float:
    """``base * 1.2 ** min(k, 30)`` seconds."""
    return base * TIMEOUT_BACKOFF ** min(consecutive_timeouts, TIMEOUT_BACKOFF_MAX_EXPONENT)


class Pacemaker:
    """Round state of one validator (times come from the driver's clock)."""

    def __init__(self, base_timeout: float, start_round: Round = ROUND_ZERO) -> None:
        self.base_timeout = base_timeout
        self.round = start_round
        self.consecutive_timeouts = 0
        self.deadline = float("inf")
        self.timed_out_round = Round(-1)
        self.round_started_at = float("-inf")
        self.previous_round_started_at = float("-inf")
        self.retransmit_at = float("inf")

    def get_duration(self) -> float:
        return compute_timeout_duration(self.base_timeout, self.consecutive_timeouts)

    def process_new_round(self, new_round: Round, now: float, via_tc: bool) -> bool:
        """Enter ``new_round`` if it is higher; True when the round changed."""
        if new_round <= self.round:
            return False
        self.consecutive_timeouts = self.consecutive_timeouts + 1 if via_tc else 0
        self.round = new_round
        self.previous_round_started_at = self.round_started_at
        self.round_started_at = now
        self.deadline = now + self.get_duration()
        self.retransmit_at = float("inf")
        return True

    def schedule_retransmit(self, start: float, block_time: float) -> float:
        """When to re-send this round's proposal or vote: half-way from ``start + block_time``
        (``start``: our proposal time as leader, else entering the round) to the deadline, so
        never in a round that goes as fast as the block time (inf: a round that short)."""
        begin = start + block_time
        self.retransmit_at = (begin + self.deadline) / 2 if self.deadline > begin else float("inf")
        return self.retransmit_at

    def is_retransmit_due(self, now: float) -> bool:
        """Once per round: the retransmission time passed (clears it)."""
        if now < self.retransmit_at:
            return False
        self.retransmit_at = float("inf")
        return True

    def get_proposal_time(self, block_time: float) -> float:
        """Leaders pace blocks: propose ``block_time`` after entering the previous round."""
        return max(self.round_started_at, self.previous_round_started_at + block_time)

    def is_expired(self, now: float) -> bool:
        """The current round's deadline has passed."""
        return now >= self.deadline

    def is_timed_out(self) -> bool:
        return self.timed_out_round == self.round

    def process_local_timeout(self, now: float) -> float:
        """Record that we timed out of the current round; return when to re-send."""
        self.timed_out_round = self.round
        self.deadline = now + self.get_duration()
        return self.deadline
