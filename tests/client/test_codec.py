"""Strict decoding of answers (each malformed field a typed error naming it) and encoding back
to the node's JSON."""

from __future__ import annotations

from typing import Any

import pytest

from zkpov.client import models as m
from zkpov.client.codec import decode_answer, encode_answer
from zkpov.errors import DecodeError, RpcAnswerError

VALIDATOR = {"index": 3, "pubkey": "ab" * 48, "voting_power": "10000000000000000000001",
             "leader_weight": "7", "stake": "10000000000000000000001", "slashed": "0",
             "registry_index": 5}  # fmt: skip
PROOF = {"depth": 2, "leaf": "01" * 32, "siblings": [["02" * 32] * 3, ["03" * 32] * 3]}
ACCOUNT = {"index": "5", "public_key": None, "balance": "0", "nonce": 0, "pending_nonce": 1,
           "height": 9, "state_root": "04" * 32, "proof": PROOF, "bonded": "7",
           "unbonding": "0"}  # fmt: skip


def test_hex_decimals_and_nesting_decode() -> None:
    found = decode_answer(m.Account, ACCOUNT)
    assert found.index == 5 and found.public_key is None and found.state_root == b"\x04" * 32
    assert found.proof is not None and found.proof.siblings[1] == (b"\x03" * 32,) * 3
    assert decode_answer(m.Validator, VALIDATOR).voting_power == 10**22 + 1


def test_encoding_gives_back_the_nodes_json() -> None:
    assert encode_answer(decode_answer(m.Account, ACCOUNT)) == ACCOUNT
    assert encode_answer(decode_answer(m.Validator, VALIDATOR)) == VALIDATOR


def test_unknown_properties_are_ignored() -> None:
    assert decode_answer(m.Validator, {**VALIDATOR, "new": 1}) == decode_answer(
        m.Validator, VALIDATOR
    )


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"pubkey": "AB" * 48}, "pubkey: expected lowercase hex"),
        ({"pubkey": "ab" * 47}, "pubkey: expected 48 bytes, got 47"),
        ({"pubkey": "abc"}, "pubkey: expected lowercase hex"),
        ({"index": True}, "index: expected a non-negative integer"),
        ({"index": -1}, "index: expected a non-negative integer"),
        ({"index": "3"}, "index: expected a non-negative integer"),
        ({"voting_power": 5}, "voting_power: expected a decimal string"),
        ({"voting_power": "-5"}, "voting_power: expected a decimal string"),
        ({"voting_power": "9" * 81}, "voting_power: expected a decimal string"),
        ({"leader_weight": None}, "leader_weight: expected a decimal string"),
    ],
)
def test_a_malformed_field_is_named(change: dict[str, Any], said: str) -> None:
    with pytest.raises(RpcAnswerError, match=said) as caught:
        decode_answer(m.Validator, {**VALIDATOR, **change}, "/validator")
    assert isinstance(caught.value, DecodeError)


def test_missing_fields_wrong_shapes_and_nested_errors_are_named() -> None:
    with pytest.raises(RpcAnswerError, match="missing 'leader_weight'"):
        decode_answer(m.Validator, {k: v for k, v in VALIDATOR.items() if k != "leader_weight"})
    with pytest.raises(RpcAnswerError, match="expected an object, got list"):
        decode_answer(m.Validator, [VALIDATOR])
    bad = {**ACCOUNT, "proof": {**PROOF, "siblings": [["02" * 31]]}}
    with pytest.raises(RpcAnswerError, match=r"answer.proof.siblings\[0\]\[0\]: expected 32"):
        decode_answer(m.Account, bad)
    with pytest.raises(RpcAnswerError, match="siblings: expected an array"):
        decode_answer(m.Account, {**ACCOUNT, "proof": {**PROOF, "siblings": "00"}})
    with pytest.raises(RpcAnswerError, match="expected str, got int"):
        decode_answer(m.BroadcastResult, {"hash": "00" * 32, "accepted": True, "reason": 0,
                                          "message": ""})  # fmt: skip
