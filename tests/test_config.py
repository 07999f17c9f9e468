"""ConsensusConfig: validation, presets apart from runtime values, quorum power."""

from __future__ import annotations

from fractions import Fraction

import pytest

from zkpov.config import PRESETS, ConfigError, ConsensusConfig, compute_quorum_power


@pytest.mark.parametrize("threshold", [0.67, Fraction(3, 4), 1, "0.9"])
def test_thresholds_above_two_thirds_are_accepted(threshold: object) -> None:
    config = ConsensusConfig(finality_threshold=threshold)  # type: ignore[arg-type]
    assert Fraction(2, 3) < config.finality_threshold <= 1
    assert ConsensusConfig(finality_threshold=0.67).finality_threshold == Fraction(67, 100)


@pytest.mark.parametrize("threshold", [2 / 3, Fraction(2, 3), 0.5, 1.01, -1, "x", True])
def test_thresholds_outside_the_interval_are_refused(threshold: object) -> None:
    with pytest.raises(ConfigError):
        ConsensusConfig(finality_threshold=threshold)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "field",
    [
        {"block_time": 0},
        {"block_time": float("nan")},
        {"max_validators": 0},
        {"max_validators": 1 << 20},
        {"min_stake": -1},
        {"epoch_length": 1.5},
        {"slashing_rate": 0},
        {"slashing_rate": 2},
        {"reward_rate": -0.1},
        {"unbonding_epochs": -1},
        {"timeout_base": "1"},
    ],
)
def test_out_of_range_fields_are_refused(field: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        ConsensusConfig(**field)  # type: ignore[arg-type]


def test_default_quorum_is_the_bft_minimum() -> None:
    config = ConsensusConfig()
    assert [config.get_quorum_power(t) for t in (3, 4, 7, 100, 999, 1000)] == [
        3,
        3,
        5,
        67,
        667,
        667,
    ]
    assert compute_quorum_power(100, Fraction(9, 10)) == 90
    assert compute_quorum_power(4, Fraction(1)) == 4


def test_presets_are_kept_apart_from_runtime_overrides() -> None:
    tuned = ConsensusConfig.from_preset("mainnet", block_time=2.0)
    assert tuned.block_time == 2.0 and PRESETS["mainnet"].block_time == 1.0
    assert tuned.epoch_length == PRESETS["mainnet"].epoch_length
    assert PRESETS["minimal"].max_validators >= 1000
    with pytest.raises(ConfigError, match="unknown preset"):
        ConsensusConfig.from_preset("testnet")
    with pytest.raises(ConfigError):
        ConsensusConfig.from_preset("minimal", finality_threshold=0.5)
