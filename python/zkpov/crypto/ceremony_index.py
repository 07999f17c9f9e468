"""A ceremony directory: ``transcript.json`` (the index) and the accumulators and parameters it
names, each in ``<sha256 hex>.bin``.

The index lists phase 1 (its size, starting accumulator and contributions) and, once begun,
phase 2 (the circuit, its starting parameters and contributions). A contribution records its
position, its parent hash, the SHA-256 of the file it produced, its proofs of knowledge (hex),
the contributor's name and comment, its own hash (:func:`compute_record_hash` over those), and,
for the beacon, the beacon value and iteration count. Decoding is strict and capped
(``CeremonyError`` naming the field); every write is to a temporary file renamed into place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkpov.crypto.ceremony import Beacon, sha256
from zkpov.errors import CeremonyError
from zkpov.files import write_atomic

__all__ = [
    "INDEX_FILE",
    "Phase2Index",
    "Record",
    "Transcript",
    "decode_transcript",
    "encode_transcript",
    "read_blob",
    "read_transcript",
    "write_blob",
    "write_transcript",
]

INDEX_FILE = "transcript.json"
MAX_INDEX_BYTES = 4 << 20
MAX_CONTRIBUTIONS = 1024
MAX_NAME_CHARS = 128
MAX_COMMENT_CHARS = 1024
MAX_LOG_SIZE = 21
MAX_BEACON_BYTES = 1024
MAX_LOG_ITERATIONS = 42


@dataclass(frozen=True)
class Record:
    parent: bytes
    output: bytes
    proofs: bytes
    name: str
    comment: str
    hash: bytes
    beacon: Beacon | None = None


@dataclass(frozen=True)
class Phase2Index:
    batch_size: int
    tree_depth: int
    circuit_id: str
    start: bytes
    records: tuple[Record, ...] = ()

    @property
    def is_closed(self) -> bool:
        """A beacon ends phase 2."""
        return bool(self.records) and self.records[-1].beacon is not None


@dataclass(frozen=True)
class Transcript:
    log_size: int
    start: bytes
    phase1: tuple[Record, ...] = ()
    phase2: Phase2Index | None = None

    @property
    def phase1_output(self) -> bytes:
        """SHA-256 of the latest phase-1 accumulator."""
        return self.phase1[-1].output if self.phase1 else self.start

    @property
    def is_phase1_closed(self) -> bool:
        """A beacon ends phase 1."""
        return bool(self.phase1) and self.phase1[-1].beacon is not None


def _get(obj: Any, key: str, kind: type, where: str) -> Any:
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CeremonyError(f"{INDEX_FILE}: {where}.{key} must be a {kind.__name__}")
    return value


def _hex(obj: Any, key: str, where: str, size: int | None = 32) -> bytes:
    text = _get(obj, key, str, where)
    try:
        data = bytes.fromhex(text)
    except ValueError as err:
        raise CeremonyError(f"{INDEX_FILE}: {where}.{key} is not hex") from err
    if size is not None and len(data) != size:
        raise CeremonyError(f"{INDEX_FILE}: {where}.{key} must be {size} bytes")
    return data


def _bounded_int(obj: Any, key: str, where: str, low: int, high: int) -> int:
    value = _get(obj, key, int, where)
    if not low <= value <= high:
        raise CeremonyError(f"{INDEX_FILE}: {where}.{key} must be in [{low}, {high}]")
    return int(value)


def _text(obj: Any, key: str, where: str, limit: int) -> str:
    value = _get(obj, key, str, where)
    if len(value) > limit:
        raise CeremonyError(f"{INDEX_FILE}: {where}.{key} is longer than {limit} characters")
    return str(value)


def _decode_beacon(obj: Any, where: str) -> Beacon | None:
    if obj.get("beacon") is None:
        return None
    value = _hex(obj["beacon"], "value", f"{where}.beacon", None)
    if not 0 < len(value) <= MAX_BEACON_BYTES:
        raise CeremonyError(f"{INDEX_FILE}: {where}.beacon.value must be 1 to 1024 bytes")
    log = _bounded_int(obj["beacon"], "log_iterations", f"{where}.beacon", 0, MAX_LOG_ITERATIONS)
    return Beacon(value, log)


def _decode_record(obj: Any, index: int, where: str, proofs_len: int) -> Record:
    where = f"{where}[{index}]"
    if _get(obj, "index", int, where) != index:
        raise CeremonyError(f"{INDEX_FILE}: {where}.index must be {index}")
    return Record(
        parent=_hex(obj, "parent", where),
        output=_hex(obj, "output", where),
        proofs=_hex(obj, "proofs", where, proofs_len),
        name=_text(obj, "name", where, MAX_NAME_CHARS),
        comment=_text(obj, "comment", where, MAX_COMMENT_CHARS),
        hash=_hex(obj, "hash", where),
        beacon=_decode_beacon(obj, where),
    )


def _decode_records(obj: Any, key: str, where: str, proofs_len: int) -> tuple[Record, ...]:
    items = _get(obj, key, list, where)
    if len(items) > MAX_CONTRIBUTIONS:
        raise CeremonyError(f"{INDEX_FILE}: more than {MAX_CONTRIBUTIONS} contributions")
    return tuple(_decode_record(o, i, f"{where}.{key}", proofs_len) for i, o in enumerate(items))


def _decode_phase2(obj: Any) -> Phase2Index | None:
    if obj.get("phase2") is None:
        return None
    p2 = obj["phase2"]
    return Phase2Index(
        batch_size=_bounded_int(p2, "batch_size", "phase2", 1, 1024),
        tree_depth=_bounded_int(p2, "tree_depth", "phase2", 1, 256),
        circuit_id=_hex(p2, "circuit_id", "phase2").hex(),
        start=_hex(p2, "start", "phase2"),
        records=_decode_records(p2, "contributions", "phase2", 384),
    )


def decode_transcript(data: bytes) -> Transcript:
    try:
        obj = json.loads(data)
    except ValueError as err:
        raise CeremonyError(f"{INDEX_FILE} is not JSON: {err}") from err
    if _get(obj, "version", int, "transcript") != 1:
        raise CeremonyError(f"{INDEX_FILE}: unknown version")
    return Transcript(
        log_size=_bounded_int(obj, "log_size", "transcript", 1, MAX_LOG_SIZE),
        start=_hex(obj, "start", "transcript"),
        phase1=_decode_records(obj, "phase1", "transcript", 3 * 384),
        phase2=_decode_phase2(obj),
    )


def _encode_record(index: int, r: Record) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": index,
        "parent": r.parent.hex(),
        "output": r.output.hex(),
        "proofs": r.proofs.hex(),
        "name": r.name,
        "comment": r.comment,
        "hash": r.hash.hex(),
    }
    if r.beacon is not None:
        out["beacon"] = {"value": r.beacon.value.hex(), "log_iterations": r.beacon.log_iterations}
    return out


def encode_transcript(t: Transcript) -> bytes:
    phase2 = None
    if t.phase2 is not None:
        p = t.phase2
        phase2 = {
            "batch_size": p.batch_size,
            "tree_depth": p.tree_depth,
            "circuit_id": p.circuit_id,
            "start": p.start.hex(),
            "contributions": [_encode_record(i, r) for i, r in enumerate(p.records)],
        }
    obj = {
        "version": 1,
        "log_size": t.log_size,
        "start": t.start.hex(),
        "phase1": [_encode_record(i, r) for i, r in enumerate(t.phase1)],
        "phase2": phase2,
    }
    return json.dumps(obj, indent=1).encode()


def read_transcript(directory: Path) -> Transcript:
    path = directory / INDEX_FILE
    try:
        with path.open("rb") as f:
            data = f.read(MAX_INDEX_BYTES + 1)
    except OSError as err:
        raise CeremonyError(f"cannot read {path}: {err.strerror or err}") from err
    if len(data) > MAX_INDEX_BYTES:
        raise CeremonyError(f"{path} is larger than {MAX_INDEX_BYTES} bytes")
    return decode_transcript(data)


def write_transcript(directory: Path, t: Transcript) -> None:
    write_atomic(directory / INDEX_FILE, encode_transcript(t))


def write_blob(directory: Path, data: bytes) -> bytes:
    """Stores ``data`` as ``<sha256>.bin``; returns the SHA-256."""
    digest = sha256(data)
    write_atomic(directory / f"{digest.hex()}.bin", data)
    return digest


def read_blob(directory: Path, digest: bytes, max_len: int) -> bytes:
    """The file named by ``digest``, at most ``max_len`` bytes, whose SHA-256 must match."""
    path = directory / f"{digest.hex()}.bin"
    try:
        with path.open("rb") as f:
            data = f.read(max_len + 1)
    except OSError as err:
        raise CeremonyError(f"cannot read {path.name}: {err.strerror or err}") from err
    if len(data) > max_len:
        raise CeremonyError(f"{path.name} is larger than {max_len} bytes")
    if sha256(data) != digest:
        raise CeremonyError(f"{path.name} does not have the SHA-256 its name says")
    return data
