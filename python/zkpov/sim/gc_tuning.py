"""Garbage-collector settings while a simulation runs.

A run at 1,000 validators allocates millions of short-lived objects (messages, actions, events)
over a large long-lived world (keys, cores, block trees), and CPython's default thresholds
collected the young generation about 450 times in 10 rounds, each pass walking objects that are
never garbage: about 6% of the run's CPU time. While the run lasts, what exists when it starts is
frozen (moved out of the collector's generations, not freed: ``gc.freeze``), and young objects are
collected every 50,000 allocations instead of 700. Cycles are still collected; both settings are
put back when the run ends, even on an exception.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["RUN_THRESHOLDS", "tuned_gc"]

RUN_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def tuned_gc() -> Iterator[None]:
    """Freeze the objects that exist now and raise the thresholds; undo both afterwards."""
    saved = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*RUN_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*saved)
        gc.unfreeze()
