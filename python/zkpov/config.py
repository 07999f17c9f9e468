"""Consensus configuration: validated runtime values, built from a named preset.

Presets (``minimal`` for tests and devnets, ``mainnet``) are kept apart from the runtime object:
``ConsensusConfig.from_preset("minimal", block_time=0.2)`` starts from a preset and overrides.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final

from zkpov.constants import BFT_QUORUM_FRACTION, DEFAULT_FINALITY_THRESHOLD, MAX_VALIDATORS_LIMIT
from zkpov.errors import ZkpovError
from zkpov.types import Stake

__all__ = [
    "PRESETS",
    "ConfigError",
    "ConsensusConfig",
    "compute_quorum_power",
    "to_fraction",
]


class ConfigError(ZkpovError, ValueError):
    """A configuration value is out of range or of the wrong kind."""


def to_fraction(value: Fraction | float | int | str, name: str) -> Fraction:
    """Exact fraction of ``value``; floats go through ``str`` so ``0.67`` means 67/100."""
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be a number, not a bool")
    try:
        fraction = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    except (ValueError, TypeError, ZeroDivisionError) as exc:
        raise ConfigError(f"{name} is not a number: {value!r}") from exc
    return fraction


def compute_quorum_power(total: int, threshold: Fraction) -> Stake:
    """Smallest power strictly above 2/3 of ``total`` and at least ``threshold * total``."""
    bft_minimum = total * BFT_QUORUM_FRACTION.numerator // BFT_QUORUM_FRACTION.denominator + 1
    return Stake(min(total, max(bft_minimum, math.ceil(total * threshold))))


@dataclass(frozen=True)
class ConsensusConfig:
    """Runtime consensus parameters. Construction validates every field (``ConfigError``)."""

    block_time: float = 0.5
    finality_threshold: Fraction = DEFAULT_FINALITY_THRESHOLD
    max_validators: int = 100
    min_stake: int = 1
    slashing_rate: Fraction = Fraction(1, 20)
    reward_rate: Fraction = Fraction(1, 20)
    epoch_length: int = 100
    unbonding_epochs: int = 2
    timeout_base: float = 1.0
    reputation_window: int = 20
    reputation_exclude_rounds: int = 4
    proof_lag: int = 0

    def __post_init__(self) -> None:
        for name in ("finality_threshold", "slashing_rate", "reward_rate"):
            object.__setattr__(self, name, to_fraction(getattr(self, name), name))
        _check_positive(self, ("block_time", "timeout_base"), float)
        _check_positive(self, ("max_validators", "min_stake", "epoch_length"), int)
        _check_positive(self, ("reputation_window",), int)
        _check_non_negative(self, ("unbonding_epochs", "reputation_exclude_rounds", "proof_lag"))
        _check_fractions(self)
        if self.max_validators > MAX_VALIDATORS_LIMIT:
            raise ConfigError(f"max_validators must be at most {MAX_VALIDATORS_LIMIT}")

    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> ConsensusConfig:
        """The preset ``name`` (``minimal`` or ``mainnet``) with ``overrides`` applied."""
        if name not in PRESETS:
            raise ConfigError(f"unknown preset {name!r}; known: {sorted(PRESETS)}")
        return dataclasses.replace(PRESETS[name], **overrides)

    def get_quorum_power(self, total_stake: int) -> Stake:
        """Voting power a certificate needs for an epoch with ``total_stake``."""
        return compute_quorum_power(total_stake, self.finality_threshold)


def _check_positive(config: ConsensusConfig, names: tuple[str, ...], kind: type) -> None:
    for name in names:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{name} must be a number, got {value!r}")
        if kind is int and not isinstance(value, int):
            raise ConfigError(f"{name} must be an integer, got {value!r}")
        if not value > 0 or not math.isfinite(value):
            raise ConfigError(f"{name} must be positive and finite, got {value!r}")


def _check_non_negative(config: ConsensusConfig, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{name} must be a non-negative integer, got {value!r}")


def _check_fractions(config: ConsensusConfig) -> None:
    if not BFT_QUORUM_FRACTION < config.finality_threshold <= 1:
        raise ConfigError(
            f"finality_threshold must lie in (2/3, 1], got {config.finality_threshold}"
        )
    if not 0 < config.slashing_rate <= 1:
        raise ConfigError(f"slashing_rate must lie in (0, 1], got {config.slashing_rate}")
    if not 0 <= config.reward_rate <= 1:
        raise ConfigError(f"reward_rate must lie in [0, 1], got {config.reward_rate}")


PRESETS: Final[dict[str, ConsensusConfig]] = {
    "minimal": ConsensusConfig(
        block_time=0.5,
        max_validators=1000,
        min_stake=1,
        epoch_length=32,
        unbonding_epochs=1,
        timeout_base=1.0,
        reputation_window=10,
        reputation_exclude_rounds=4,
    ),
    "mainnet": ConsensusConfig(
        block_time=1.0,
        max_validators=200,
        min_stake=10**6,
        epoch_length=7200,
        unbonding_epochs=14,
        timeout_base=3.0,
        reputation_window=200,
        reputation_exclude_rounds=40,
        proof_lag=4,
    ),
}
