"""The driver's timers: wait until the next deadline (capped), tick at once when one passed."""

from __future__ import annotations

from zkpov.node.consensus_io.deadlines import IDLE_TICK_SECONDS, Deadlines


def test_the_wait_runs_to_the_earliest_deadline_capped_by_the_idle_tick() -> None:
    deadlines = Deadlines()
    assert deadlines.get_wait(10.0) == IDLE_TICK_SECONDS
    deadlines.add(10.3)
    deadlines.add(10.1)
    assert abs(deadlines.get_wait(10.0) - 0.1) < 1e-9
    deadlines.add(99.0)
    assert deadlines.get_wait(10.05) < 0.1


def test_passed_deadlines_tick_now_once_and_are_dropped() -> None:
    deadlines = Deadlines()
    for deadline in (5.0, 1.0, 3.0, 20.0):
        deadlines.add(deadline)
    assert deadlines.get_wait(4.0) == 0.0
    assert deadlines.heap == [5.0, 20.0]
    assert deadlines.get_wait(4.0) == IDLE_TICK_SECONDS  # 5.0 is further off than the cap
    assert abs(deadlines.get_wait(4.8) - 0.2) < 1e-9
    deadlines.clear()
    assert deadlines.get_wait(4.0) == IDLE_TICK_SECONDS
