"""The benches' timer: the median wall time (``time.perf_counter``) of repeated calls. Medians,
not means, so one call slowed by a neighbour on a shared machine does not move the figure."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeat: int, warm_up: bool = False) -> float:
    """The median seconds of ``repeat`` calls of ``fn``, after one untimed call if ``warm_up``."""
    if warm_up:
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def median_ms(fn: Callable[[], object], repeat: int = 7) -> float:
    """``median_seconds`` in milliseconds."""
    return median_seconds(fn, repeat) * 1e3
