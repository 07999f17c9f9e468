"""Which attack modes exist, and the refusal to run one outside a test network."""

from __future__ import annotations

from zkpov.constants import ATTACK_MODES
from zkpov.errors import AttackModeError
from zkpov.node.state.genesis import Genesis

__all__ = ["check_attack_allowed"]


def check_attack_allowed(genesis: Genesis, mode: str) -> None:
    """``AttackModeError`` unless ``mode`` is an attack mode and ``genesis`` marks a test
    network."""
    if mode not in ATTACK_MODES:
        raise AttackModeError(f"unknown attack mode {mode!r}: expected one of {ATTACK_MODES}")
    if not genesis.test_network:
        raise AttackModeError(
            f"attack mode {mode} refused: genesis of chain {genesis.chain_id!r} is not marked"
            " as a test network (test_network: true)"
        )
