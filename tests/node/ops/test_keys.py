"""zkpov.node.ops.keys: mode 0600, no overwrite, strict loading, secrets out of repr."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from zkpov.crypto import bls
from zkpov.node.ops.keys import (
    KeyFileError,
    KeyKind,
    generate_secret,
    read_key_file,
    write_key_file,
)


@pytest.mark.parametrize("kind", list(KeyKind))
def test_round_trip_with_mode_0600(tmp_path: Path, kind: KeyKind) -> None:
    path = tmp_path / "key.json"
    written = write_key_file(path, kind, generate_secret(kind))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = read_key_file(path, kind)
    assert loaded == written
    assert written.secret.hex() not in repr(loaded)


def test_validator_key_is_a_working_bls_key(tmp_path: Path) -> None:
    key = write_key_file(tmp_path / "v.json", KeyKind.VALIDATOR, generate_secret(KeyKind.VALIDATOR))
    assert bls.verify(key.public, b"m", bls.sign(key.secret, b"m"))


def test_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    write_key_file(path, KeyKind.NODE, generate_secret(KeyKind.NODE))
    with pytest.raises(FileExistsError):
        write_key_file(path, KeyKind.NODE, generate_secret(KeyKind.NODE))


def test_refuses_a_key_readable_by_others(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    write_key_file(path, KeyKind.VALIDATOR, generate_secret(KeyKind.VALIDATOR))
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        read_key_file(path, KeyKind.VALIDATOR)


def _write_raw(path: Path, content: str) -> Path:
    path.write_text(content)
    path.chmod(0o600)
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "does not decode"),
        ('{"type": "zkpov/x25519-node-key", "secret_key": "00"}', "expected"),
        ('{"type": "zkpov/bls12-381-validator-key", "secret_key": "zz"}', "does not decode"),
        ('{"type": "zkpov/bls12-381-validator-key", "secret_key": "0011"}', "32 bytes"),
        (json.dumps({"type": "zkpov/bls12-381-validator-key", "secret_key": "00" * 32}), "invalid"),
        ("x" * 5000, "larger than"),
    ],
)
def test_bad_key_files_are_typed_errors(tmp_path: Path, content: str, message: str) -> None:
    path = _write_raw(tmp_path / "key.json", content)
    with pytest.raises(KeyFileError, match=message):
        read_key_file(path, KeyKind.VALIDATOR)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="No such file"):
        read_key_file(tmp_path / "absent.json", KeyKind.VALIDATOR)
