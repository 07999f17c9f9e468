"""BLS key ring: a cached aggregate check costs no key aggregation."""

from __future__ import annotations

from typing import Any

import pytest

from zkpov.crypto import bls
from zkpov.spec import signing
from zkpov.spec.messages import compute_timeout_signing_root
from zkpov.spec.signing import BlsScheme
from zkpov.types import Epoch, Round

SCHEME = BlsScheme()
KEYS = [SCHEME.derive_keypair(b"cache-%d" % i) for i in range(4)]


def _groups_and_signature() -> tuple[list[tuple[list[int], bytes]], bytes]:
    roots = [compute_timeout_signing_root(Epoch(0), Round(9), Round(r)) for r in (3, 4)]
    groups = [([0, 1], roots[0]), ([2], roots[1])]
    sigs = [SCHEME.sign(KEYS[i][0], msg) for ids, msg in groups for i in ids]
    return groups, SCHEME.aggregate(sigs)


def test_group_keys_are_aggregated_only_on_a_cache_miss(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def counting(original: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            calls.append(1)
            return original(*args)

        return wrapper

    monkeypatch.setattr(bls, "aggregate_pubkeys", counting(bls.aggregate_pubkeys))
    monkeypatch.setattr(bls.KeySet, "aggregate_pubkey", counting(bls.KeySet.aggregate_pubkey))
    ring = SCHEME.make_keyring([pk for _, pk in KEYS])
    groups, signature = _groups_and_signature()
    assert ring.aggregate_verify_groups(groups, signature)
    first = len(calls)
    assert first > 0
    assert ring.aggregate_verify_groups(groups, signature)
    assert len(calls) == first
    assert not ring.aggregate_verify_groups([([0, 0], groups[0][1])], signature)  # no raise


def test_bls_scheme_signs_with_a_bounded_memo_of_hashed_messages() -> None:
    scheme = BlsScheme()
    sk, _ = scheme.derive_keypair(b"memo")
    msgs = [i.to_bytes(4, "big") for i in range(signing._HASHED_LIMIT + 5)]
    for msg in msgs:
        assert scheme.sign(sk, msg) == bls.sign(sk, msg)
    assert len(scheme._hashed) == signing._HASHED_LIMIT
    assert msgs[0] not in scheme._hashed and msgs[-1] in scheme._hashed
    assert scheme.sign(sk, msgs[0]) == bls.sign(sk, msgs[0])  # evicted, hashed again
