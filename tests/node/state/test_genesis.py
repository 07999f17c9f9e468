"""zkpov.node.state.genesis: round trip, hash, and strict decoding of hostile documents."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.node.test_runtime import free_base_port
from zkpov.chain.state import compute_account_index
from zkpov.crypto import schnorr
from zkpov.errors import DecodeError
from zkpov.node.ops.setup import create_testnet
from zkpov.node.state.genesis import (
    GenesisError,
    compute_genesis_hash,
    decode_genesis,
    encode_genesis,
    read_genesis,
)


@pytest.fixture(scope="module")
def genesis_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("net")
    layout = create_testnet(out, 3, accounts=2)
    return (layout.homes[0] / "genesis.json").read_text()


def test_round_trip_and_hash(genesis_text: str) -> None:
    genesis = decode_genesis(genesis_text)
    assert len(genesis.validators) == 3
    assert len(genesis.accounts) == 2
    assert encode_genesis(genesis) == genesis_text
    assert compute_genesis_hash(decode_genesis(encode_genesis(genesis))) == compute_genesis_hash(
        genesis
    )


def mutate(text: str, change: Any) -> str:
    doc = json.loads(text)
    change(doc)
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(extra=1), "unknown fields"),
        (lambda d: d.pop("chain_id"), "missing field 'chain_id'"),
        (lambda d: d.update(chain_id=""), "chain_id"),
        (lambda d: d["validators"].clear(), "at least one"),
        (lambda d: d["validators"].append(d["validators"][0]), "no key twice"),
        (lambda d: d["validators"][0].update(stake=0), "positive"),
        (lambda d: d["validators"][0].update(stake=True), "expected int"),
        (lambda d: d["validators"][0].update(bls_public_key="zz"), "not hex"),
        (
            lambda d: d["validators"][0].update(
                proof_of_possession=d["validators"][1]["proof_of_possession"]
            ),
            "proof of possession",
        ),
        (lambda d: d["accounts"][0].update(balance=2**64), "64 bits"),
        (lambda d: d["consensus"].update(finality_threshold="1/2"), "consensus"),
        (lambda d: d["consensus"].update(bogus=1), "unknown fields"),
        (lambda d: d["circuit"].update(batch_size=0), "batch_size"),
        (lambda d: d.update(test_network=False), "only true"),
        (lambda d: d.update(test_network=1), "only true"),
        (lambda d: d.update(epochs=False), "only true"),
        (lambda d: d.update(epochs=20), "only true"),
        (lambda d: d.update(epochs=True) or d["consensus"].update(epoch_length=0), "positive"),
        (
            lambda d: d.update(epochs=True) or d["consensus"].update(epoch_length=2**32 + 1),
            "at most 4294967296",
        ),
    ],
)
def test_bad_documents_are_rejected(genesis_text: str, change: Any, message: str) -> None:
    with pytest.raises(GenesisError, match=message):
        decode_genesis(mutate(genesis_text, change))


def test_a_testnet_is_marked_and_the_mark_is_hashed(genesis_text: str) -> None:
    marked = decode_genesis(genesis_text)
    assert marked.test_network and json.loads(genesis_text)["test_network"] is True
    unmarked_text = mutate(genesis_text, lambda d: d.pop("test_network"))
    unmarked = decode_genesis(unmarked_text)
    assert not unmarked.test_network
    assert compute_genesis_hash(unmarked) != compute_genesis_hash(marked)


def test_epochs_are_off_unless_marked_and_the_mark_is_hashed(genesis_text: str) -> None:
    """Every genesis from before the field has one epoch (its ``consensus.epoch_length`` is not
    in force) and keeps its bytes; ``"epochs": true`` turns the length on and changes the hash."""
    plain = decode_genesis(genesis_text)
    assert "epochs" not in json.loads(genesis_text) and plain.epoch_length is None
    on_text = mutate(genesis_text, lambda d: d.update(epochs=True))
    on = decode_genesis(on_text)
    assert on.epochs and on.epoch_length == plain.consensus.epoch_length
    assert json.loads(encode_genesis(on))["epochs"] is True
    assert compute_genesis_hash(on) != compute_genesis_hash(plain)
    assert encode_genesis(plain) == genesis_text


def test_an_unmarked_genesis_keeps_its_hash(genesis_text: str) -> None:
    """A document written before the mark and the ``setup`` field existed (neither field) keeps
    its hash, the SHA-256 of its bytes; re-encoded, it gains only ``setup``."""
    doc = json.loads(genesis_text)
    doc.pop("test_network")
    doc.pop("setup")
    old_text = json.dumps(doc, sort_keys=True, indent=1)
    assert (
        compute_genesis_hash(decode_genesis(old_text)) == hashlib.sha256(old_text.encode()).digest()
    )
    assert json.loads(encode_genesis(decode_genesis(old_text))) == doc | {
        "setup": {"kind": "insecure"}
    }


def test_read_genesis_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GenesisError, match="cannot read"):
        read_genesis(tmp_path / "genesis.json")


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_random_input_is_a_decode_error(data: bytes | str) -> None:
    with pytest.raises(DecodeError):
        decode_genesis(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["chain_id", "consensus", "circuit", "validators", "accounts", "setup"]),
    json_values,
)
def test_any_field_replaced_by_junk_is_a_decode_error_or_valid(
    genesis_text: str, key: str, value: Any
) -> None:
    try:
        decode_genesis(mutate(genesis_text, lambda d: d.update({key: value})))
    except DecodeError as err:
        assert str(err)


def test_two_accounts_at_one_index_are_rejected(tmp_path: Path) -> None:
    layout = create_testnet(tmp_path / "net", 1, accounts=2, base_port=free_base_port(2))
    doc = json.loads(encode_genesis(layout.genesis))
    doc["circuit"]["tree_depth"] = 2  # 4 slots: find two keys that share one
    by_index: dict[int, list[bytes]] = {}
    for _ in range(5):  # five keys in four slots: two share one
        key = schnorr.generate_keypair().public_key
        by_index.setdefault(compute_account_index(key, 2), []).append(key)
    pair = next(keys for keys in by_index.values() if len(keys) > 1)[:2]
    doc["accounts"] = [{"public_key": k.hex(), "balance": 1} for k in pair]
    with pytest.raises(GenesisError, match="same account index"):
        decode_genesis(json.dumps(doc))


def test_testnet_accounts_never_share_an_index_even_at_depth_4(tmp_path: Path) -> None:
    for attempt in range(3):  # 8 random keys in 16 slots collide almost always
        out = tmp_path / f"net{attempt}"
        layout = create_testnet(out, 1, accounts=8, base_port=free_base_port(2), circuit=(1, 4))
        indices = {compute_account_index(a.public_key, 4) for a in layout.genesis.accounts}
        assert len(indices) == 8
        decode_genesis((layout.homes[0] / "genesis.json").read_text())
