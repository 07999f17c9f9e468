"""Key files: a validator's BLS key, a node's Noise (X25519) key, an account's Schnorr key.

Each key lives in its own JSON file ``{"type": ..., "secret_key": hex}`` created with mode 0600
(``O_EXCL``: an existing key is never overwritten). Loading refuses a file that group or others
can read, a file over 4 KiB, and anything that does not decode (``KeyFileError``). Secret keys
never appear in ``repr`` or logs.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from zkpov.crypto import bls, schnorr
from zkpov.errors import DecodeError

__all__ = [
    "KEY_FILE_MODE",
    "KeyFileError",
    "KeyKind",
    "SecretKeyFile",
    "generate_secret",
    "get_public_key",
    "read_key_file",
    "write_key_file",
]

KEY_FILE_MODE = 0o600
MAX_KEY_FILE_BYTES = 4096


class KeyFileError(DecodeError):
    """A key file that is missing, readable by others, or does not decode."""


class KeyKind(Enum):
    VALIDATOR = "zkpov/bls12-381-validator-key"
    NODE = "zkpov/x25519-node-key"
    ACCOUNT = "zkpov/jubjub-schnorr-account-key"


SECRET_SIZES = {KeyKind.VALIDATOR: 32, KeyKind.NODE: 32, KeyKind.ACCOUNT: 32}


@dataclass(frozen=True)
class SecretKeyFile:
    """A loaded secret key and its public key; the secret stays out of ``repr``."""

    kind: KeyKind
    secret: bytes = field(repr=False)
    public: bytes


def generate_secret(kind: KeyKind) -> bytes:
    """A fresh secret from the operating system's RNG."""
    if kind is KeyKind.VALIDATOR:
        return bls.generate_secret_key()
    if kind is KeyKind.ACCOUNT:
        return schnorr.generate_secret_key()
    return X25519PrivateKey.generate().private_bytes_raw()


def get_public_key(kind: KeyKind, secret: bytes) -> bytes:
    if kind is KeyKind.VALIDATOR:
        return bls.sk_to_pk(secret)
    if kind is KeyKind.ACCOUNT:
        return schnorr.sk_to_pk(secret)
    public = X25519PrivateKey.from_private_bytes(secret).public_key()
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def write_key_file(path: Path, kind: KeyKind, secret: bytes) -> SecretKeyFile:
    """Creates ``path`` with mode 0600 and fsyncs it; refuses to overwrite an existing file."""
    public = get_public_key(kind, secret)
    body = json.dumps({"type": kind.value, "secret_key": secret.hex(), "public_key": public.hex()})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    try:
        os.write(fd, body.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return SecretKeyFile(kind, secret, public)


def _read_private_file(path: Path) -> bytes:
    try:
        info = path.stat()
    except OSError as err:
        raise KeyFileError(f"key file {path}: {err.strerror}") from err
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"key file {path} is accessible by others: chmod 600 it")
    if info.st_size > MAX_KEY_FILE_BYTES:
        raise KeyFileError(f"key file {path} is larger than {MAX_KEY_FILE_BYTES} bytes")
    return path.read_bytes()


def _parse_secret(raw: bytes, kind: KeyKind) -> bytes:
    try:
        doc = json.loads(raw)
        secret = bytes.fromhex(doc["secret_key"])
        found = doc["type"]
    except (ValueError, KeyError, TypeError) as err:
        raise KeyFileError(f"key file does not decode: {err}") from err
    if found != kind.value:
        raise KeyFileError(f"key file holds a {found!r} key, expected {kind.value!r}")
    if len(secret) != SECRET_SIZES[kind]:
        raise KeyFileError(f"secret key must be {SECRET_SIZES[kind]} bytes, got {len(secret)}")
    return secret


def read_key_file(path: Path, kind: KeyKind) -> SecretKeyFile:
    """Loads and checks a key file (mode, size, type, length, and that the key is valid)."""
    secret = _parse_secret(_read_private_file(path), kind)
    try:
        public = get_public_key(kind, secret)
    except (DecodeError, ValueError) as err:
        raise KeyFileError(f"key file {path} holds an invalid secret key: {err}") from err
    return SecretKeyFile(kind, secret, public)
