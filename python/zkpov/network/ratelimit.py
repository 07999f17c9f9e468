"""Token buckets and reconnection backoff; pure arithmetic over a caller-supplied clock."""

from __future__ import annotations

import random

__all__ = ["TokenBucket", "compute_backoff"]

_SYSTEM_RANDOM = random.SystemRandom()


class TokenBucket:
    """``rate`` tokens a second, holding at most ``burst``; starts full."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        if not rate > 0 or not burst > 0:
            raise ValueError("rate and burst must be positive")
        self.rate, self.burst = float(rate), float(burst)
        self._tokens, self._stamp = float(burst), now

    def try_take(self, amount: float, now: float) -> bool:
        """Take ``amount`` tokens if they are there; False (taking nothing) otherwise."""
        self._refill(now)
        if self._tokens < amount:
            return False
        self._tokens -= amount
        return True

    def take_with_delay(self, amount: float, now: float) -> float:
        """Take ``amount`` tokens, going into debt; seconds to wait until the debt is repaid."""
        self._refill(now)
        self._tokens -= amount
        return max(0.0, -self._tokens / self.rate)

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._stamp)
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        self._stamp = now


def compute_backoff(
    attempt: int, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """Delay before reconnection ``attempt`` (0-based): ``min(cap, base * 2**attempt)``, times a
    jitter in [0.5, 1] from the OS RNG, so that two peers dialling each other drift apart."""
    ceiling = min(cap, base * 2.0 ** min(attempt, 62))
    return ceiling * (0.5 + 0.5 * (rng or _SYSTEM_RANDOM).random())
