"""Slashing-protection interchange JSON, in the spirit of EIP-3076 (numbers as decimal strings).

```json
{"metadata": {"interchange_format_version": "1", "genesis_validators_root": "0x<32 bytes>"},
 "data": [{"pubkey": "0x<48 bytes>",
           "signed_proposals": [{"epoch": "0", "round": "7", "signing_root": "0x<32 bytes>"}],
           "signed_votes": [...], "signed_timeouts": [...]}]}
```

Unlike EIP-3076 the signing root is required: it is what makes an idempotent re-sign safe.
:func:`decode_interchange` checks everything (sizes, hex, uint64 range, valid G1 public keys, the
genesis root) and raises only ``DecodeError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from zkpov.constants import BLS_PUBKEY_LENGTH, HASH_LENGTH, UINT64_MAX
from zkpov.errors import DecodeError
from zkpov.spec.signing import check_public_key

__all__ = [
    "FORMAT_VERSION",
    "MAX_INTERCHANGE_BYTES",
    "MAX_INTERCHANGE_RECORDS",
    "Interchange",
    "SignedRecord",
    "decode_interchange",
    "encode_interchange",
]

FORMAT_VERSION = "1"
MAX_INTERCHANGE_BYTES = 64 * 1024 * 1024
MAX_INTERCHANGE_RECORDS = 1_000_000
_LISTS = ("signed_proposals", "signed_votes", "signed_timeouts")  # index = SignedKind value


class SignedRecord(NamedTuple):
    epoch: int
    round: int
    signing_root: bytes


@dataclass(frozen=True)
class Interchange:
    """Decoded interchange: records keyed by ``(pubkey, kind)``, kind as in ``SignedKind``."""

    genesis_root: bytes
    data: dict[tuple[bytes, int], list[SignedRecord]]


def encode_interchange(interchange: Interchange) -> str:
    keys = sorted({pubkey for pubkey, _ in interchange.data})
    entries = [_encode_entry(pubkey, interchange.data) for pubkey in keys]
    metadata = {
        "interchange_format_version": FORMAT_VERSION,
        "genesis_validators_root": _hex(interchange.genesis_root),
    }
    return json.dumps({"metadata": metadata, "data": entries}, indent=1)


def decode_interchange(text: str | bytes, genesis_root: bytes) -> Interchange:
    """Parse and validate; ``DecodeError`` saying what is wrong, also for another genesis root."""
    document = _expect(_parse_json(text), dict, "document")
    metadata, entries = _field(document, "metadata", dict), _field(document, "data", list)
    _check_metadata(metadata, genesis_root)
    data: dict[tuple[bytes, int], list[SignedRecord]] = {}
    for entry in entries:
        _process_entry(_expect(entry, dict, "data entry"), data)
    if sum(len(records) for records in data.values()) > MAX_INTERCHANGE_RECORDS:
        raise DecodeError(f"interchange holds more than {MAX_INTERCHANGE_RECORDS} records")
    return Interchange(genesis_root, data)


def _encode_entry(pubkey: bytes, data: dict[tuple[bytes, int], list[SignedRecord]]) -> Any:
    entry: dict[str, Any] = {"pubkey": _hex(pubkey)}
    for kind, name in enumerate(_LISTS):
        entry[name] = [
            {"epoch": str(r.epoch), "round": str(r.round), "signing_root": _hex(r.signing_root)}
            for r in data.get((pubkey, kind), [])
        ]
    return entry


def _parse_json(text: str | bytes) -> Any:
    if not isinstance(text, str | bytes) or len(text) > MAX_INTERCHANGE_BYTES:
        raise DecodeError(f"interchange must be text of at most {MAX_INTERCHANGE_BYTES} bytes")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise DecodeError(f"interchange is not valid JSON: {exc}") from exc


def _check_metadata(metadata: dict[str, Any], genesis_root: bytes) -> None:
    version = _field(metadata, "interchange_format_version", str)
    if version != FORMAT_VERSION:
        raise DecodeError(f"unsupported interchange version {version[:16]!r}")
    root = _decode_hex(_field(metadata, "genesis_validators_root", str), HASH_LENGTH)
    if root != genesis_root:
        raise DecodeError("interchange is for another genesis validators root")


def _process_entry(
    entry: dict[str, Any], data: dict[tuple[bytes, int], list[SignedRecord]]
) -> None:
    pubkey = _decode_hex(_field(entry, "pubkey", str), BLS_PUBKEY_LENGTH)
    check_public_key(pubkey)
    for kind, name in enumerate(_LISTS):
        items = _expect(entry.get(name, []), list, name)
        if len(items) > MAX_INTERCHANGE_RECORDS:
            raise DecodeError(f"{name} holds more than {MAX_INTERCHANGE_RECORDS} records")
        records = [_decode_record(_expect(item, dict, name)) for item in items]
        if records:
            data.setdefault((pubkey, kind), []).extend(records)


def _decode_record(item: dict[str, Any]) -> SignedRecord:
    return SignedRecord(
        _decode_uint(_field(item, "epoch", str)),
        _decode_uint(_field(item, "round", str)),
        _decode_hex(_field(item, "signing_root", str), HASH_LENGTH),
    )


def _field(obj: dict[str, Any], name: str, kind: type) -> Any:
    if name not in obj:
        raise DecodeError(f"interchange field {name!r} is missing")
    return _expect(obj[name], kind, name)


def _expect(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind):
        raise DecodeError(f"interchange {what} must be a {kind.__name__}")
    return value


def _decode_uint(text: str) -> int:
    if not 0 < len(text) <= 20 or not text.isascii() or not text.isdigit():
        raise DecodeError(f"expected a decimal uint64 string, got {text[:24]!r}")
    value = int(text)
    if value > UINT64_MAX:
        raise DecodeError("integer exceeds uint64")
    return value


def _decode_hex(text: str, length: int) -> bytes:
    if len(text) != 2 + 2 * length or not text.startswith("0x"):
        raise DecodeError(f"expected 0x and {2 * length} hex digits")
    try:
        return bytes.fromhex(text[2:])
    except ValueError as exc:
        raise DecodeError(f"not hex: {text[:24]!r}") from exc


def _hex(data: bytes) -> str:
    return "0x" + data.hex()
