"""The attack outboxes' base: unicasts reach the wrapped outbox unchanged, bulk flag included,
and ``sent`` counts only attack messages (none yet, and no caller can preset it)."""

from __future__ import annotations

import pytest

from zkpov.node.attack.wrapped import AttackOutbox
from zkpov.types import ValidatorIndex


class Recorder:
    def __init__(self) -> None:
        self.unicasts: list[tuple[ValidatorIndex, bytes, bool]] = []

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None:
        self.unicasts.append((to, payload, bulk))

    def broadcast(self, payload: bytes) -> None:
        raise AssertionError("the base never broadcasts")


def test_unicasts_pass_through_and_nothing_is_counted() -> None:
    inner = Recorder()
    outbox = AttackOutbox(inner, ValidatorIndex(1), b"sk", None)  # type: ignore[arg-type]
    outbox.send_to(ValidatorIndex(3), b"a")
    outbox.send_to(ValidatorIndex(2), b"b", bulk=True)
    assert inner.unicasts == [(3, b"a", False), (2, b"b", True)]
    assert outbox.sent == 0
    with pytest.raises(TypeError):
        AttackOutbox(inner, ValidatorIndex(1), b"sk", None, 5)  # type: ignore[arg-type,call-arg]
