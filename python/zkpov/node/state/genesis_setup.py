"""How a network's Groth16 keys were made: the genesis ``setup`` field.

* ``{"kind": "insecure"}``: ``insecure_setup`` seeded with the genesis hash (devnets and test
  networks: anyone holding the genesis can forge proofs). A genesis without the field means this.
  The genesis hash leaves this value out (the seed *is* the hash, and every earlier genesis keeps
  its hash), so a file with it and one without hash alike: they say the same thing.
* ``{"kind": "ceremony", "verifying_key_sha256": ..., "transcript_sha256": ...}``: keys from a
  multi-party ceremony. The key does not depend on the genesis, so the genesis hash covers the
  pins: a node refuses a verifying key whose SHA-256 differs from ``verifying_key_sha256``.

Decoding is strict (``GenesisError`` naming the field): unknown kinds or fields, wrong types,
hex that is not 32 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final

from zkpov.errors import DecodeError

__all__ = [
    "INSECURE_SETUP",
    "CeremonySetup",
    "GenesisSetup",
    "GenesisSetupError",
    "InsecureSetup",
    "decode_setup",
    "encode_setup",
]

WHERE = "genesis.setup"


class GenesisSetupError(DecodeError):
    """A ``setup`` value that is not acceptable (``decode_genesis`` raises it as a
    ``GenesisError``)."""


@dataclass(frozen=True)
class InsecureSetup:
    """Keys from ``insecure_setup`` seeded with the genesis hash: tests and devnets only."""

    kind: ClassVar[str] = "insecure"


@dataclass(frozen=True)
class CeremonySetup:
    """Keys from a ceremony: the verifying key's SHA-256 and the transcript's, as pinned."""

    verifying_key_sha256: bytes
    transcript_sha256: bytes
    kind: ClassVar[str] = "ceremony"


GenesisSetup = InsecureSetup | CeremonySetup
INSECURE_SETUP: Final = InsecureSetup()


def encode_setup(setup: GenesisSetup) -> dict[str, str]:
    if isinstance(setup, InsecureSetup):
        return {"kind": setup.kind}
    return {
        "kind": setup.kind,
        "verifying_key_sha256": setup.verifying_key_sha256.hex(),
        "transcript_sha256": setup.transcript_sha256.hex(),
    }


def _sha256_field(doc: dict[str, Any], key: str) -> bytes:
    value = doc.get(key)
    if not isinstance(value, str):
        raise GenesisSetupError(f"{WHERE}.{key}: expected 64 hex characters (a SHA-256)")
    try:
        digest = bytes.fromhex(value)
    except ValueError as err:
        raise GenesisSetupError(f"{WHERE}.{key}: not hex") from err
    if len(digest) != 32:
        raise GenesisSetupError(f"{WHERE}.{key}: expected 32 bytes, got {len(digest)}")
    return digest


def _check_fields(doc: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(doc) - allowed
    if unknown:
        raise GenesisSetupError(f"{WHERE}: unknown fields {sorted(unknown)}")


def decode_setup(doc: Any) -> GenesisSetup:
    """The ``setup`` field's value, checked; ``GenesisSetupError`` says what is wrong."""
    if not isinstance(doc, dict):
        raise GenesisSetupError(f"{WHERE}: expected an object with a 'kind'")
    kind = doc.get("kind")
    if kind == "insecure":
        _check_fields(doc, {"kind"})
        return INSECURE_SETUP
    if kind == "ceremony":
        _check_fields(doc, {"kind", "verifying_key_sha256", "transcript_sha256"})
        vk = _sha256_field(doc, "verifying_key_sha256")
        return CeremonySetup(vk, _sha256_field(doc, "transcript_sha256"))
    raise GenesisSetupError(f"{WHERE}.kind: expected 'insecure' or 'ceremony', got {kind!r:.40}")
