"""The simulator's collector settings hold only while a run lasts."""

from __future__ import annotations

import gc

import pytest

from zkpov.sim.gc_tuning import RUN_THRESHOLDS, tuned_gc


def test_settings_are_restored_after_a_run_and_after_an_exception() -> None:
    before = gc.get_threshold()
    with tuned_gc():
        assert gc.get_threshold() == RUN_THRESHOLDS
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), tuned_gc():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_cycles_made_during_a_run_are_still_collected() -> None:
    with tuned_gc():
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
