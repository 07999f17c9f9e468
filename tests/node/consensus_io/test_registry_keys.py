"""zkpov.node.consensus_io.registry_keys: the registry's keys, read live as joins commit."""

from __future__ import annotations

import pytest

from zkpov.chain.containers import Validator
from zkpov.node.consensus_io.registry_keys import UNREGISTERED, RegistryKeys
from zkpov.types import BLSPubkey, Stake


def _validator(byte: int) -> Validator:
    return Validator(BLSPubkey(bytes([byte]) * 48), b"owner", Stake(1), 0)


def test_keys_follow_the_ledger_as_it_grows() -> None:
    ledger = [_validator(1), _validator(2)]
    keys = RegistryKeys(lambda: ledger)
    joiner = bytes([3]) * 48
    assert (len(keys), joiner in keys, keys.get_index(joiner)) == (2, False, None)
    ledger.append(_validator(3))  # a create_validator committed
    assert (len(keys), joiner in keys, keys.index(joiner), keys[2]) == (3, True, 2, joiner)
    assert keys.get_index(bytes([1]) * 48) == 0 and list(keys[:1]) == [bytes([1]) * 48]
    assert None not in keys and "x" not in keys


def test_an_unknown_key_is_a_value_error_and_unregistered_is_no_index() -> None:
    keys = RegistryKeys(lambda: [_validator(1)])
    with pytest.raises(ValueError, match="not in the registry"):
        keys.index(bytes([9]) * 48)
    with pytest.raises(ValueError, match="not in the registry"):
        keys.index(bytes([1]) * 48, 1)
    assert UNREGISTERED >= 2**31  # beyond any registry the node could hold
