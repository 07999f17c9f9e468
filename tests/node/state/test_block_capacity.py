"""zkpov.node.state.block_capacity: what a proposer may fill, and the config's bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from zkpov.constants import MAX_PAYLOAD_BYTES
from zkpov.errors import DecodeError
from zkpov.node.ops.config import NodeConfig
from zkpov.node.state.block_capacity import (
    DEFAULT_BLOCK_TRANSFERS,
    MAX_BLOCK_TRANSFERS,
    get_block_capacity,
)
from zkpov.spec.codec.payload import MAX_TRANSFERS_PER_BLOCK, decode_payload, encode_payload


def test_proofs_on_fill_the_circuit_batch_and_proofs_off_the_configured_cap() -> None:
    assert get_block_capacity(256, True, 2) == 2
    assert get_block_capacity(256, False, 2) == 256
    assert NodeConfig(home=Path(".")).max_block_transfers == DEFAULT_BLOCK_TRANSFERS == 256


def test_the_largest_allowed_block_decodes_everywhere() -> None:
    assert MAX_BLOCK_TRANSFERS == MAX_TRANSFERS_PER_BLOCK
    payload = encode_payload([bytes(136)] * MAX_BLOCK_TRANSFERS)
    assert len(payload) < MAX_PAYLOAD_BYTES
    assert len(decode_payload(payload)) == MAX_BLOCK_TRANSFERS
    with pytest.raises(DecodeError):  # one more and validators' decoders refuse the block
        decode_payload(encode_payload([bytes(136)] * (MAX_BLOCK_TRANSFERS + 1)))
