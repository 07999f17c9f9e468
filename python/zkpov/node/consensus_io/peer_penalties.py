"""Penalties for peers that send consensus input no honest node sends.

Each verification failure (see
:func:`~zkpov.node.consensus_io.input_guard.is_verification_failure`) is an offence of the
authenticated peer that sent it. Offences drain a per-peer token bucket that refills slowly,
so a stray bad message is forgiven; a peer that empties its bucket is banned (disconnected and
refused) for ``ban_seconds``, then starts again with a full bucket. The node itself is never
penalised (its own messages come back to it as input).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from zkpov.network.ratelimit import TokenBucket
from zkpov.node.consensus_io.input_guard import get_reject_reason, is_verification_failure
from zkpov.types import ValidatorIndex

__all__ = ["PeerPenalties", "PenaltyConfig", "PenaltyMetrics"]

log = logging.getLogger(__name__)


class PenaltyMetrics(Protocol):
    """The counters penalties feed (the node's ``NodeMetrics``)."""

    def on_input_rejected(self, reason: str) -> None: ...

    def on_peer_offence(self) -> None: ...

    def on_peer_banned(self) -> None: ...


@dataclass(frozen=True)
class PenaltyConfig:
    offences_per_second: float = 0.1  # forgiven: one every 10 s
    offence_burst: float = 10.0  # offences in a row before a ban
    ban_seconds: float = 60.0


class PeerPenalties:
    """Counts rejected input per peer and bans through ``ban(index, seconds)``."""

    def __init__(
        self, own: ValidatorIndex, ban: Callable[[ValidatorIndex, float], None],
        metrics: PenaltyMetrics, config: PenaltyConfig | None = None,
        clock: Callable[[], float] = time.monotonic, pubkeys: Sequence[bytes] = (),
    ) -> None:  # fmt: skip
        self.own, self._ban, self.metrics = own, ban, metrics
        self._pubkeys = pubkeys  # by index; the registry grows as joins commit
        self.config, self.clock = config or PenaltyConfig(), clock
        self.offences: dict[ValidatorIndex, int] = {}
        self._buckets: dict[ValidatorIndex, TokenBucket] = {}

    def on_peer_offence(self, validator_pk: bytes, err: Exception) -> None:
        """``on_rejected`` for a peer known by its validator key (``pubkeys``: the set's keys,
        in index order); a key outside the set is ignored (the transport admits none)."""
        if validator_pk in self._pubkeys:
            self.on_rejected(ValidatorIndex(self._pubkeys.index(validator_pk)), err)

    def on_rejected(self, sender: ValidatorIndex, err: Exception) -> None:
        """Counts the rejection; an offence may get ``sender`` banned."""
        self.metrics.on_input_rejected(get_reject_reason(err))
        if sender == self.own or not is_verification_failure(err):
            return
        self.offences[sender] = self.offences.get(sender, 0) + 1
        self.metrics.on_peer_offence()
        if not self._get_bucket(sender).try_take(1, self.clock()):
            self._process_ban(sender, err)

    def _get_bucket(self, sender: ValidatorIndex) -> TokenBucket:
        config, now = self.config, self.clock()
        bucket = self._buckets.get(sender)
        if bucket is None:
            bucket = TokenBucket(config.offences_per_second, config.offence_burst, now)
            self._buckets[sender] = bucket
        return bucket

    def _process_ban(self, sender: ValidatorIndex, err: Exception) -> None:
        seconds = self.config.ban_seconds
        log.warning(
            "banning validator %d for %g s after %d offences, the last: %s: %s",
            sender, seconds, self.offences[sender], type(err).__name__, err,
        )  # fmt: skip
        del self._buckets[sender]  # a full bucket when the ban ends
        self.metrics.on_peer_banned()
        self._ban(sender, seconds)
