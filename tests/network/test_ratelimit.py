"""Token bucket and reconnection backoff arithmetic."""

from __future__ import annotations

import random

import pytest

from zkpov.network.ratelimit import TokenBucket, compute_backoff


def test_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=10, burst=5, now=0.0)
    assert all(bucket.try_take(1, 0.0) for _ in range(5))
    assert not bucket.try_take(1, 0.0)
    assert bucket.try_take(1, 0.1)
    assert not bucket.try_take(1, 0.1)
    assert bucket.try_take(5, 10.0) and not bucket.try_take(1, 10.0)  # refills to burst only


def test_take_with_delay_reports_the_debt() -> None:
    bucket = TokenBucket(rate=100, burst=50, now=0.0)
    assert bucket.take_with_delay(50, 0.0) == 0.0
    assert bucket.take_with_delay(100, 0.0) == pytest.approx(1.0)
    assert bucket.take_with_delay(0, 1.0) == pytest.approx(0.0)


def test_bucket_rejects_non_positive_settings() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, 1, 0.0)


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    rng = random.Random(1)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (3, 4.0), (6, 30.0), (10_000, 30.0)]:
        delay = compute_backoff(attempt, 0.5, 30.0, rng)
        assert ceiling / 2 <= delay <= ceiling
    assert compute_backoff(2, 1.0, 100.0) <= 4.0  # the OS RNG by default
