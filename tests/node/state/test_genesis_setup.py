"""zkpov.node.state.genesis_setup: the genesis ``setup`` field, strict on load, and its hash."""

from __future__ import annotations

import json
from typing import Any

import pytest

from zkpov.node.ops.setup import create_testnet
from zkpov.node.state.genesis import (
    GenesisError,
    compute_genesis_hash,
    decode_genesis,
    encode_genesis,
)
from zkpov.node.state.genesis_setup import INSECURE_SETUP, CeremonySetup

VK_SHA = "ab" * 32
TRANSCRIPT_SHA = "cd" * 32
CEREMONY = {"kind": "ceremony", "verifying_key_sha256": VK_SHA, "transcript_sha256": TRANSCRIPT_SHA}


@pytest.fixture(scope="module")
def genesis_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    layout = create_testnet(tmp_path_factory.mktemp("net"), 1, accounts=1)
    return (layout.homes[0] / "genesis.json").read_text()


def with_setup(text: str, setup: Any) -> str:
    doc = json.loads(text)
    doc["setup"] = setup
    return json.dumps(doc)


def test_a_testnet_genesis_says_its_keys_are_insecure(genesis_text: str) -> None:
    assert json.loads(genesis_text)["setup"] == {"kind": "insecure"}
    assert decode_genesis(genesis_text).setup == INSECURE_SETUP


def test_a_genesis_without_setup_is_insecure_and_hashes_alike(genesis_text: str) -> None:
    doc = json.loads(genesis_text)
    doc.pop("setup")
    old = decode_genesis(json.dumps(doc))
    assert old.setup == INSECURE_SETUP
    assert compute_genesis_hash(old) == compute_genesis_hash(decode_genesis(genesis_text))


def test_a_ceremony_setup_round_trips_and_is_hashed(genesis_text: str) -> None:
    genesis = decode_genesis(with_setup(genesis_text, CEREMONY))
    assert genesis.setup == CeremonySetup(bytes.fromhex(VK_SHA), bytes.fromhex(TRANSCRIPT_SHA))
    assert decode_genesis(encode_genesis(genesis)) == genesis
    insecure_hash = compute_genesis_hash(decode_genesis(genesis_text))
    assert compute_genesis_hash(genesis) != insecure_hash
    other = decode_genesis(with_setup(genesis_text, CEREMONY | {"transcript_sha256": "ef" * 32}))
    assert compute_genesis_hash(other) != compute_genesis_hash(genesis)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("insecure", r"genesis\.setup: expected an object"),
        ({}, r"genesis\.setup\.kind: expected 'insecure' or 'ceremony', got None"),
        ({"kind": "trusted"}, r"genesis\.setup\.kind: .* got 'trusted'"),
        ({"kind": "insecure", "seed": "00"}, r"genesis\.setup: unknown fields \['seed'\]"),
        (CEREMONY | {"extra": 1}, r"genesis\.setup: unknown fields \['extra'\]"),
        ({"kind": "ceremony", "transcript_sha256": TRANSCRIPT_SHA}, r"verifying_key_sha256"),
        (CEREMONY | {"verifying_key_sha256": "zz" * 32}, r"verifying_key_sha256: not hex"),
        (CEREMONY | {"transcript_sha256": "ab" * 31}, r"transcript_sha256: expected 32 bytes"),
        (CEREMONY | {"transcript_sha256": 7}, r"transcript_sha256: expected 64 hex"),
    ],
)
def test_a_malformed_setup_is_refused_naming_the_field(
    genesis_text: str, setup: Any, message: str
) -> None:
    with pytest.raises(GenesisError, match=message):
        decode_genesis(with_setup(genesis_text, setup))
