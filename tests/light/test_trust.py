"""Trust set-up without a node: checkpoints, their age, and the sets a light client accepts."""

from __future__ import annotations

import pytest

from zkpov.config import ConsensusConfig
from zkpov.crypto.bls import generate_secret_key, sk_to_pk
from zkpov.errors import ForgedValidatorSetError, LightClientError, StaleCheckpointError
from zkpov.light.trust import Checkpoint, build_trusted_set, check_checkpoint_age, parse_checkpoint

CONFIG = ConsensusConfig()


def test_a_checkpoint_parses_from_epoch_commitment_and_block_id() -> None:
    text = f"7:{'ab' * 32}:0x{'cd' * 32}"
    assert parse_checkpoint(text) == Checkpoint(7, bytes([0xAB]) * 32, bytes([0xCD]) * 32)
    for bad in ("7", f"7:{'ab' * 31}:{'cd' * 32}", f"-1:{'ab' * 32}:{'cd' * 32}"):
        with pytest.raises(LightClientError, match="EPOCH:VALSET_COMMITMENT_HEX"):
            parse_checkpoint(bad)


def test_a_checkpoint_older_than_the_trusting_period_is_stale() -> None:
    point = Checkpoint(3, bytes(32), bytes(32))
    check_checkpoint_age(point, 3, 0)
    check_checkpoint_age(point, 5, 2)
    with pytest.raises(StaleCheckpointError, match="4 epochs old; the trusting period is 3"):
        check_checkpoint_age(point, 7, 3)
    with pytest.raises(StaleCheckpointError, match="ahead of the chain"):
        check_checkpoint_age(point, 2, 3)


def test_a_set_with_a_repeated_key_or_no_stake_is_refused() -> None:
    key = sk_to_pk(generate_secret_key())
    with pytest.raises(ForgedValidatorSetError):
        build_trusted_set(0, (key, key), (1, 1), CONFIG)
    with pytest.raises(ForgedValidatorSetError):
        build_trusted_set(0, (key,), (0,), CONFIG)
    with pytest.raises(ForgedValidatorSetError, match="out of range"):
        build_trusted_set(0, (key,), (1 << 128,), CONFIG)
    with pytest.raises(ForgedValidatorSetError, match="does not decode"):
        build_trusted_set(0, (bytes(48),), (1,), CONFIG)


def test_the_quorum_is_more_than_two_thirds_of_the_stake() -> None:
    keys = tuple(sk_to_pk(generate_secret_key()) for _ in range(3))
    assert build_trusted_set(0, keys, (1, 1, 1), CONFIG).quorum == 3
    assert build_trusted_set(0, keys, (2, 2, 2), CONFIG).quorum == 5
