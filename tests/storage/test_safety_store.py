"""SafetyData stores: round trips, torn files, and the durable write order."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.errors import DecodeError
from zkpov.spec.codec.safety_data import decode_safety_data, encode_safety_data
from zkpov.spec.messages import Vote, VoteData
from zkpov.spec.safety_data import SafetyData
from zkpov.storage import FileSafetyStore, MemorySafetyStore
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex

VOTE = Vote(
    VoteData(Epoch(2), Round(9), BlockId(b"\x01" * 32), Round(8), BlockId(b"\x02" * 32)),
    ValidatorIndex(3),
    b"\x05" * 96,
)
DATA = SafetyData(Epoch(2), Round(9), Round(7), Round(8), VOTE, Round(6))


def test_encoding_round_trips() -> None:
    assert decode_safety_data(encode_safety_data(DATA)) == DATA
    empty = SafetyData(Epoch(0))
    assert decode_safety_data(encode_safety_data(empty)) == empty


@pytest.mark.parametrize("store_kind", ["memory", "file"])
def test_store_returns_the_last_saved_data(store_kind: str, tmp_path: Path) -> None:
    store = MemorySafetyStore() if store_kind == "memory" else FileSafetyStore(tmp_path / "safety")
    assert store.load() is None
    store.save(SafetyData(Epoch(2)))
    store.save(DATA)
    assert store.load() == DATA


def test_file_store_survives_a_new_process_view(tmp_path: Path) -> None:
    FileSafetyStore(tmp_path / "safety").save(DATA)
    assert FileSafetyStore(tmp_path / "safety").load() == DATA
    assert (tmp_path / "safety").stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "safety.tmp").exists()


def test_torn_or_altered_file_is_a_decode_error(tmp_path: Path) -> None:
    path = tmp_path / "safety"
    FileSafetyStore(path).save(DATA)
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DecodeError, match="checksum"):
        FileSafetyStore(path).load()
    path.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    with pytest.raises(DecodeError, match="checksum"):
        FileSafetyStore(path).load()


def test_write_is_fsynced_before_rename_and_directory_fsynced_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append("fsync-dir" if os.path.isdir(f"/proc/self/fd/{fd}") else "fsync-file")
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        calls.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    FileSafetyStore(tmp_path / "safety").save(DATA)
    assert calls == ["fsync-file", "rename", "fsync-dir"]


def test_failed_write_keeps_the_previous_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileSafetyStore(tmp_path / "safety")
    store.save(DATA)

    def boom(fd: int) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk gone"):
        store.save(SafetyData(Epoch(3)))
    monkeypatch.undo()
    assert store.load() == DATA


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_are_decode_errors(blob: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode_safety_data(blob)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bodies_with_a_valid_checksum_are_decode_errors(body: bytes) -> None:
    import hashlib

    with contextlib.suppress(DecodeError):
        decode_safety_data(hashlib.sha256(body).digest() + body)
