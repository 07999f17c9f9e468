"""Pacemaker: backoff, monotone rounds, pacing of proposals."""

from __future__ import annotations

import pytest

from zkpov.consensus.pacemaker import Pacemaker, compute_timeout_duration
from zkpov.types import Round


@pytest.mark.parametrize(
    ("k", "expected"), [(0, 1.0), (1, 1.2), (3, 1.728), (20, 1.2**20), (30, 1.2**30), (99, 1.2**30)]
)
def test_backoff_is_base_times_1_2_to_min_k_30(k: int, expected: float) -> None:
    """The cap is high (about 237 x base) so that any realistic post-GST delay is outgrown."""
    assert compute_timeout_duration(1.0, k) == pytest.approx(expected)


def test_rounds_never_decrease_and_tc_rounds_back_off() -> None:
    pacemaker = Pacemaker(1.0)
    assert pacemaker.process_new_round(Round(3), now=0.0, via_tc=True)
    assert pacemaker.deadline == pytest.approx(1.2)
    assert not pacemaker.process_new_round(Round(2), now=1.0, via_tc=False)
    assert pacemaker.round == 3
    assert pacemaker.process_new_round(Round(4), now=1.0, via_tc=False)
    assert pacemaker.consecutive_timeouts == 0 and pacemaker.deadline == pytest.approx(2.0)


def test_local_timeout_is_recorded_and_rescheduled() -> None:
    pacemaker = Pacemaker(1.0)
    pacemaker.process_new_round(Round(1), now=0.0, via_tc=False)
    assert not pacemaker.is_expired(0.5) and pacemaker.is_expired(1.0)
    resend_at = pacemaker.process_local_timeout(1.0)
    assert pacemaker.is_timed_out() and resend_at == pytest.approx(2.0)


def test_proposals_are_paced_by_block_time() -> None:
    pacemaker = Pacemaker(1.0)
    pacemaker.process_new_round(Round(1), now=0.0, via_tc=False)
    pacemaker.process_new_round(Round(2), now=0.1, via_tc=False)
    assert pacemaker.get_proposal_time(0.5) == pytest.approx(0.5)
    pacemaker.process_new_round(Round(3), now=0.9, via_tc=False)
    assert pacemaker.get_proposal_time(0.5) == pytest.approx(0.9)
