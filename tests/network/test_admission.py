"""Slots per source address, the signature-check budget and the refusal summary (sans-I/O)."""

from __future__ import annotations

import pytest

from zkpov.network.admission import RefusalLog, SourceSlots, VerifyBudget


def test_a_source_at_its_cap_loses_its_oldest_handshake() -> None:
    pending: SourceSlots[int] = SourceSlots(per_source=2, total=10)
    assert pending.add("a", 1) == [] and pending.add("a", 2) == []
    assert pending.add("a", 3) == [1]
    assert pending.add("b", 4) == []
    assert (len(pending), pending.count("a"), pending.count("b")) == (3, 2, 1)
    assert sorted(pending.get_all()) == [2, 3, 4]


def test_a_full_table_evicts_the_oldest_of_the_heaviest_source() -> None:
    pending: SourceSlots[int] = SourceSlots(per_source=3, total=4)
    for key, source in enumerate(["x", "x", "x", "y"]):
        assert pending.add(source, key) == []
    assert pending.add("z", 10) == [0]  # "x" held three of four slots
    assert (len(pending), pending.count("x"), pending.count("z")) == (4, 2, 1)


def test_discard_forgets_finished_and_ignores_evicted_handshakes() -> None:
    pending: SourceSlots[int] = SourceSlots(per_source=1, total=4)
    pending.add("a", 1)
    pending.add("a", 2)  # evicts 1
    pending.discard("a", 1)
    assert len(pending) == 1
    pending.discard("a", 2)
    assert len(pending) == 0 and pending.count("a") == 0


def test_pending_handshakes_reject_inconsistent_caps() -> None:
    with pytest.raises(ValueError):
        SourceSlots(per_source=5, total=4)


def test_the_verify_budget_is_per_source_and_refills() -> None:
    budget = VerifyBudget(rate=1.0, burst=2.0)
    assert budget.try_take("a", 0.0) and budget.try_take("a", 0.0)
    assert not budget.try_take("a", 0.0)
    assert budget.try_take("b", 0.0)  # another address has its own bucket
    assert budget.try_take("a", 1.0)


def test_the_verify_budget_tracks_a_bounded_number_of_sources() -> None:
    budget = VerifyBudget(rate=1.0, burst=1.0, capacity=3)
    for i in range(100):
        budget.try_take(f"10.0.0.{i}", 0.0)
    assert len(budget) == 3


def test_refusals_are_summarised_once_per_interval() -> None:
    log = RefusalLog(interval=10.0)
    first = log.on_refused("max peers", 0.0)
    assert first == "refused 1 inbound connection(s) (max peers: 1)"
    assert all(log.on_refused("HandshakeError", t) is None for t in (1.0, 2.0, 9.0))
    line = log.on_refused("max peers", 10.0)
    assert line == "refused 4 inbound connection(s) (HandshakeError: 3, max peers: 1)"
    assert log.flush(11.0) is None
