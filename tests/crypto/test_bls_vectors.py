"""The Ethereum BLS12-381 test suite (tests/vectors/bls), one pytest case per file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import VECTORS_DIR
from zkpov.crypto import bls
from zkpov.errors import DecodeError

BLS_DIR = VECTORS_DIR / "bls"
# RFC 9380 test DST for BLS12381G2_XMD:SHA-256_SSWU_RO_ (appendix J.10.1); the suite's
# hash_to_G2 cases were generated with it.
HASH_TO_G2_DST = b"QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_"


def cases(kind: str) -> list[Path]:
    files = sorted((BLS_DIR / kind).glob("*.yaml"))
    if not files:
        pytest.fail(f"no {kind} vectors under {BLS_DIR} (see tests/vectors/README.md)")
    return files


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def unhex(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


def check_or_raises(expected: str | None, compute: Callable[[], bytes]) -> None:
    if expected is None:
        with pytest.raises(DecodeError):
            compute()
    else:
        assert compute() == unhex(expected)


@pytest.mark.parametrize("path", cases("sign"), ids=lambda p: p.stem)
def test_sign(path: Path) -> None:
    case = load(path)
    inp = case["input"]
    check_or_raises(case["output"], lambda: bls.sign(unhex(inp["privkey"]), unhex(inp["message"])))


@pytest.mark.parametrize("path", cases("verify"), ids=lambda p: p.stem)
def test_verify(path: Path) -> None:
    case = load(path)
    inp = case["input"]
    got = bls.verify(unhex(inp["pubkey"]), unhex(inp["message"]), unhex(inp["signature"]))
    assert got is case["output"]


@pytest.mark.parametrize("path", cases("aggregate"), ids=lambda p: p.stem)
def test_aggregate(path: Path) -> None:
    case = load(path)
    check_or_raises(case["output"], lambda: bls.aggregate([unhex(s) for s in case["input"]]))


@pytest.mark.parametrize("path", cases("fast_aggregate_verify"), ids=lambda p: p.stem)
def test_fast_aggregate_verify(path: Path) -> None:
    case = load(path)
    inp = case["input"]
    pks = [unhex(p) for p in inp["pubkeys"]]
    msg, sig = unhex(inp["message"]), unhex(inp["signature"])
    assert bls.fast_aggregate_verify(pks, msg, sig) is case["output"]


@pytest.mark.parametrize("path", cases("fast_aggregate_verify"), ids=lambda p: p.stem)
def test_fast_aggregate_verify_through_keyset(path: Path) -> None:
    """The decoded-once path agrees with the vectors wherever the keys decode."""
    case = load(path)
    inp = case["input"]
    pks = [unhex(p) for p in inp["pubkeys"]]
    msg, sig = unhex(inp["message"]), unhex(inp["signature"])
    try:
        keyset = bls.KeySet(pks)
    except DecodeError:
        assert case["output"] is False
        return
    assert keyset.fast_aggregate_verify(range(len(pks)), msg, sig) is case["output"]


@pytest.mark.parametrize("path", cases("aggregate_verify"), ids=lambda p: p.stem)
def test_aggregate_verify(path: Path) -> None:
    case = load(path)
    inp = case["input"]
    pks = [unhex(p) for p in inp["pubkeys"]]
    msgs = [unhex(m) for m in inp["messages"]]
    assert bls.aggregate_verify(pks, msgs, unhex(inp["signature"])) is case["output"]


@pytest.mark.parametrize("path", cases("batch_verify"), ids=lambda p: p.stem)
def test_batch_verify(path: Path) -> None:
    case = load(path)
    inp = case["input"]
    pks = [unhex(p) for p in inp["pubkeys"]]
    msgs = [unhex(m) for m in inp["messages"]]
    sigs = [unhex(s) for s in inp["signatures"]]
    assert bls.batch_verify(pks, msgs, sigs) is case["output"]


@pytest.mark.parametrize("path", cases("deserialization_G1"), ids=lambda p: p.stem)
def test_deserialization_g1(path: Path) -> None:
    case = load(path)
    data = unhex(case["input"]["pubkey"])
    if case["output"]:
        bls.check_g1_point(data)
    else:
        with pytest.raises(DecodeError):
            bls.check_g1_point(data)


@pytest.mark.parametrize("path", cases("deserialization_G2"), ids=lambda p: p.stem)
def test_deserialization_g2(path: Path) -> None:
    case = load(path)
    data = unhex(case["input"]["signature"])
    if case["output"]:
        bls.check_g2_point(data)
    else:
        with pytest.raises(DecodeError):
            bls.check_g2_point(data)


def fp2_be(pair: str) -> bytes:
    """'0xc0,0xc1' as the big-endian ``c1 | c0`` of the uncompressed encoding."""
    c0, c1 = (int(v, 16) for v in pair.split(","))
    return c1.to_bytes(48, "big") + c0.to_bytes(48, "big")


@pytest.mark.parametrize("path", cases("hash_to_G2"), ids=lambda p: p.stem)
def test_hash_to_g2(path: Path) -> None:
    case = load(path)
    point = bls.hash_to_g2(case["input"]["msg"].encode(), HASH_TO_G2_DST)
    assert point == fp2_be(case["output"]["x"]) + fp2_be(case["output"]["y"])
