"""The JSON form of an epoch change round-trips real endings of an epoch run (real BLS keys), is
served by ``/v1/light/updates`` from the view's epoch-change proof, and refuses every malformed
or oversized field with a typed error before building anything."""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.consensus.epochs.epoch_net import (
    EpochNet,
    make_rotated_net,
)
from tests.node.rpc.fake_view import FakeNode
from tests.node.rpc.helpers import get_json
from zkpov.client import models as m
from zkpov.client.codec import decode_answer
from zkpov.consensus.epochs.proof import EpochChangeProof
from zkpov.errors import EpochUpdateFormatError, RpcAnswerError
from zkpov.node.rpc.epoch_changes import (
    MAX_SUFFIX_HEADERS,
    MAX_UPDATES,
    decode_epoch_updates,
    encode_epoch_update,
    encode_epoch_updates,
    get_epoch_update,
)


@pytest.fixture(scope="module")
def net() -> EpochNet:
    return make_rotated_net()


def answer_of(net: EpochNet) -> dict[str, Any]:
    updates = [get_epoch_update(e) for e in net.managers[0].endings]
    doc: dict[str, Any] = json.loads(json.dumps(encode_epoch_updates(0, len(updates), updates)))
    return doc


def test_real_endings_round_trip_through_json(net: EpochNet) -> None:
    endings = net.managers[0].endings
    decoded = decode_epoch_updates(answer_of(net))
    assert decoded.updates == tuple(get_epoch_update(e) for e in endings)
    for ending, update in zip(endings, decoded.updates, strict=True):
        assert update.header.id == ending.block.id
        assert update.committed.id == ending.commit_qc.vote_data.parent_id
        assert update.next_pubkeys == ending.next_set.pubkeys
        assert update.next_stakes == ending.next_set.stakes


def test_the_client_model_reads_the_same_answer(net: EpochNet) -> None:
    model = decode_answer(m.EpochChanges, answer_of(net))
    first, ending = model.updates[0], net.managers[0].endings[0]
    assert first.header.block_id == ending.block.id
    assert first.commit_certificate.signature == ending.commit_qc.signature
    assert [v.stake for v in first.next_validators] == list(ending.next_set.stakes)


def test_the_route_serves_the_views_endings(net: EpochNet) -> None:
    view = FakeNode()
    assert get_json("/v1/light/updates?from_epoch=0", view)[1]["updates"] == []
    view.epoch_proof = EpochChangeProof(tuple(net.managers[0].endings))
    status, doc = get_json("/v1/light/updates?from_epoch=0", view)
    assert status == 200 and doc == answer_of(net) | {"current_epoch": 0}


def _set(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    bad = copy.deepcopy(doc)
    *steps, last = path.split(".")
    target: Any = bad
    for step in steps:
        target = target[int(step)] if step.isdigit() else target[step]
    target[int(last) if last.isdigit() else last] = value
    return bad


CASES = [
    ("updates.0.header.round", True, "expected an integer"),
    ("updates.0.header.height", 1 << 64, "expected an integer"),
    ("updates.0.header.state_root", "AB" * 32, "lowercase hex"),
    ("updates.0.header.parent_id", "ab" * 31, "hex of 32..32 bytes"),
    ("updates.0.header.randao_reveal", "ab" * 97, "hex of 0..96 bytes"),
    ("updates.0.header.next_validator_set_commitment", "ab" * 16, "0 or 32 bytes"),
    ("updates.0.header.timestamp_ms", 12345, "do not hash to its block_id"),
    ("updates.0.commit_certificate.signature", "ab" * 95, "signature"),
    ("updates.0.commit_certificate.signers", "", "signers"),
    ("updates.0.next_validators", [], "empty validator set"),
    ("updates.0.next_validators.0.stake", str(1 << 128), "below 2\\*\\*128"),
    ("updates.0.next_validators.0.stake", 5, "decimal string"),
    ("updates.0.next_validators.0.pubkey", "ab" * 47, "pubkey"),
    ("updates.0.suffix", {}, "expected an array"),
]


@pytest.mark.parametrize(("path", "value", "message"), CASES)
def test_a_malformed_field_is_a_typed_error_naming_it(
    net: EpochNet, path: str, value: Any, message: str
) -> None:
    with pytest.raises(EpochUpdateFormatError, match=message):
        decode_epoch_updates(_set(answer_of(net), path, value))


def test_a_missing_field_is_named(net: EpochNet) -> None:
    bad = answer_of(net)
    del bad["updates"][0]["commit_certificate"]["parent_round"]
    with pytest.raises(EpochUpdateFormatError, match="parent_round"):
        decode_epoch_updates(bad)


def test_lists_are_capped_before_their_items_are_read(net: EpochNet) -> None:
    doc = answer_of(net)
    with pytest.raises(EpochUpdateFormatError, match=f"at most {MAX_UPDATES}"):
        decode_epoch_updates(doc | {"updates": [None] * (MAX_UPDATES + 1)})
    header = encode_epoch_update(get_epoch_update(net.managers[0].endings[0]))["header"]
    too_long = _set(doc, "updates.0.suffix", [header] * (MAX_SUFFIX_HEADERS + 1))
    with pytest.raises(EpochUpdateFormatError, match=f"at most {MAX_SUFFIX_HEADERS}"):
        decode_epoch_updates(too_long)
    assert issubclass(EpochUpdateFormatError, RpcAnswerError)


def _leaves(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(doc, dict):
        return [leaf for key, value in doc.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(doc, list):
        return [leaf for i, value in enumerate(doc) for leaf in _leaves(value, (*path, i))]
    return [path]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=200),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)


@given(data=st.data())
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_value_anywhere_decodes_or_is_a_typed_error(net: EpochNet, data: st.DataObject) -> None:
    doc = answer_of(net)
    path = data.draw(st.sampled_from(_leaves(doc)))
    target: Any = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = data.draw(JSON_VALUES)
    with contextlib.suppress(EpochUpdateFormatError):  # anything else fails the test
        decode_epoch_updates(doc)


def test_an_answer_stops_at_its_byte_budget_with_at_least_one_update(net: EpochNet) -> None:
    updates = [get_epoch_update(e) for e in net.managers[0].endings]
    one = len(json.dumps(encode_epoch_update(updates[0]), separators=(",", ":")))
    assert len(encode_epoch_updates(0, 9, updates, max_bytes=2 * one + 10)["updates"]) == 2
    assert len(encode_epoch_updates(0, 9, updates, max_bytes=1)["updates"]) == 1
    assert len(encode_epoch_updates(0, 9, updates)["updates"]) == len(updates)
