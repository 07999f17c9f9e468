"""The attack outboxes' base: unicasts reach the wrapped outbox unchanged, bulk flag included,
and ``sent`` counts only attack messages (none yet, and no caller can preset it); every attack
outbox lets the epoch messages through."""

from __future__ import annotations

import pytest

from zkpov.node.attack.forgery import ForgingOutbox
from zkpov.node.attack.outbox import EquivocatingOutbox
from zkpov.node.attack.wrapped import AttackOutbox
from zkpov.spec.codec.epochs import encode_consensus
from zkpov.spec.epochs import EpochChangeRequest
from zkpov.spec.signing import BlsScheme
from zkpov.types import Epoch, ValidatorIndex


class Recorder:
    def __init__(self) -> None:
        self.unicasts: list[tuple[ValidatorIndex, bytes, bool]] = []

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None:
        self.unicasts.append((to, payload, bulk))

    def broadcast(self, payload: bytes) -> None:
        raise AssertionError("the base never broadcasts")


class _Sink:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None:
        self.sent.append(payload)

    def broadcast(self, payload: bytes) -> None:
        self.sent.append(payload)


def test_unicasts_pass_through_and_nothing_is_counted() -> None:
    inner = Recorder()
    outbox = AttackOutbox(inner, ValidatorIndex(1), b"sk", None)  # type: ignore[arg-type]
    outbox.send_to(ValidatorIndex(3), b"a")
    outbox.send_to(ValidatorIndex(2), b"b", bulk=True)
    assert inner.unicasts == [(3, b"a", False), (2, b"b", True)]
    assert outbox.sent == 0
    with pytest.raises(TypeError):
        AttackOutbox(inner, ValidatorIndex(1), b"sk", None, 5)  # type: ignore[arg-type,call-arg]


@pytest.mark.parametrize("mode", ["double_vote", "double_proposal", "forged_evidence"])
def test_epoch_messages_pass_through_every_attack_outbox(mode: str) -> None:
    """Epoch-change requests and proofs (kinds 9, 10) are decoded, not refused: the outboxes
    once decoded with the pre-epoch codec, and each such broadcast failed the attacker's core."""
    inner = _Sink()
    scheme, sk = BlsScheme(), bytes(32)
    outbox: AttackOutbox = (
        ForgingOutbox(inner, ValidatorIndex(0), sk, scheme)
        if mode == "forged_evidence"
        else EquivocatingOutbox(inner, ValidatorIndex(0), sk, scheme, mode)
    )
    payload = encode_consensus(EpochChangeRequest(Epoch(3)))
    outbox.broadcast(payload)
    outbox.send_to(ValidatorIndex(2), payload)
    assert inner.sent == [payload, payload] and outbox.sent == 0
