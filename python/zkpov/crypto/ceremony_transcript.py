"""Running and verifying a ceremony in a directory (:mod:`zkpov.crypto.ceremony_index`).

* :func:`create` makes the directory (built beside it and renamed, never half-written) with the
  starting phase-1 accumulator.
* :func:`add_phase1`, :func:`add_beacon` (which closes phase 1), :func:`start_phase2`,
  :func:`add_phase2` and :func:`add_phase2_beacon` (which closes phase 2) each read the latest
  output, write the new one, then the index. A beacon follows at least one contribution: its
  secrets are public, so alone it would leave the keys forgeable.
* :func:`verify_transcript` walks the whole chain from the start, decoding each file once: the
  starting accumulator is recomputed, each contribution is checked against its parent (proofs
  bound to the parent hash, same-ratio checks) and its record hash recomputed; phase 2's
  starting parameters are checked against the final phase 1 by random combinations of each
  query (:func:`zkpov.crypto.ceremony.check_phase2_start`), not recomputed. ``CeremonyError``
  names the contribution and the check.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from zkpov.crypto import ceremony as cer
from zkpov.crypto import snark
from zkpov.crypto.ceremony_index import (
    Phase2Index,
    Record,
    Transcript,
    read_blob,
    read_transcript,
    write_blob,
    write_transcript,
)
from zkpov.errors import CeremonyError, DecodeError

__all__ = [
    "Verified",
    "add_beacon",
    "add_phase1",
    "add_phase2",
    "add_phase2_beacon",
    "create",
    "get_beacon_comment",
    "get_config",
    "get_final_key",
    "start_phase2",
    "verify_transcript",
]

MAX_PARAMETERS_BYTES = 1 << 32


@dataclass(frozen=True)
class Verified:
    """A transcript that verified: the chain's last hash and, once phase 2 began, its circuit,
    final parameters and number of contributions."""

    transcript_sha256: bytes
    parameters: bytes | None = None
    config: snark.CircuitConfig | None = None
    phase2_count: int = 0


def get_beacon_comment(beacon: cer.Beacon) -> str:
    """The comment a beacon record carries (and its hash covers)."""
    return f"beacon {beacon.value.hex()} hashed 2^{beacon.log_iterations} times"


def create(directory: Path, log_size: int) -> None:
    """A new ceremony of size ``2 ** log_size`` in ``directory``, which must not exist."""
    if directory.exists():
        raise CeremonyError(f"{directory} exists; choose a new directory")
    start = cer.new_phase1(log_size)
    tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}"))
    try:
        write_transcript(tmp, Transcript(log_size, write_blob(tmp, start)))
        tmp.rename(directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _phase1_head(t: Transcript) -> bytes:
    return t.phase1[-1].hash if t.phase1 else cer.compute_phase1_root(t.start)


def _append_phase1(
    directory: Path, t: Transcript, output: tuple[bytes, bytes], record: Record
) -> None:
    digest = write_blob(directory, output[0])
    final = replace(
        record,
        output=digest,
        hash=cer.compute_record_hash(record.parent, digest, output[1], record.name, record.comment),
    )
    write_transcript(directory, replace(t, phase1=(*t.phase1, final)))


def _open_phase1(directory: Path) -> tuple[Transcript, bytes, bytes]:
    t = read_transcript(directory)
    if t.is_phase1_closed or t.phase2 is not None:
        raise CeremonyError("phase 1 is closed (its beacon is in); contribute to phase 2")
    acc = read_blob(directory, t.phase1_output, cer.get_phase1_encoded_len(t.log_size))
    return t, acc, _phase1_head(t)


def add_phase1(directory: Path, name: str, comment: str, entropy: bytes) -> bytes:
    """Contributes to phase 1; returns the new record's hash."""
    t, acc, parent = _open_phase1(directory)
    out = cer.contribute_phase1(acc, parent, entropy)
    _append_phase1(directory, t, out, Record(parent, b"", out[1], name, comment, b""))
    return read_transcript(directory).phase1[-1].hash


def add_beacon(directory: Path, beacon: cer.Beacon) -> bytes:
    """The beacon's contribution, which closes phase 1; returns its record's hash."""
    t, acc, parent = _open_phase1(directory)
    if not t.phase1:
        raise CeremonyError("phase 1 has no contribution yet: a beacon alone is public")
    out = cer.contribute_phase1_beacon(acc, parent, beacon)
    record = Record(parent, b"", out[1], "beacon", get_beacon_comment(beacon), b"", beacon)
    _append_phase1(directory, t, out, record)
    return read_transcript(directory).phase1[-1].hash


def start_phase2(directory: Path, config: snark.CircuitConfig) -> None:
    """Phase 2's starting parameters for ``config``, from the final (beacon-closed) phase 1."""
    t = read_transcript(directory)
    if not t.is_phase1_closed:
        raise CeremonyError("phase 1 is still open: add its beacon first")
    if t.phase2 is not None:
        raise CeremonyError("phase 2 has already begun in this directory")
    acc = read_blob(directory, t.phase1_output, cer.get_phase1_encoded_len(t.log_size))
    try:
        start = cer.new_phase2(acc, config.batch_size, config.tree_depth)
    except ValueError as err:  # a phase 1 too small for the circuit
        raise CeremonyError(str(err)) from err
    p2 = Phase2Index(
        config.batch_size, config.tree_depth, config.circuit_id, write_blob(directory, start)
    )
    write_transcript(directory, replace(t, phase2=p2))


def _phase2_root(t: Transcript, p2: Phase2Index) -> bytes:
    return cer.compute_phase2_root(t.phase1[-1].hash, p2.circuit_id, p2.start)


def _open_phase2(directory: Path) -> tuple[Transcript, Phase2Index, bytes, bytes]:
    """The transcript, its phase 2, the latest parameters and their hash (the next parent)."""
    t = read_transcript(directory)
    if t.phase2 is None:
        raise CeremonyError("phase 2 has not begun: run `ceremony phase2 new` first")
    p2 = t.phase2
    if p2.is_closed:
        raise CeremonyError("phase 2 is closed (its beacon is in); export the keys")
    prev = read_blob(
        directory, p2.records[-1].output if p2.records else p2.start, MAX_PARAMETERS_BYTES
    )
    return t, p2, prev, p2.records[-1].hash if p2.records else _phase2_root(t, p2)


def _append_phase2(
    directory: Path, t: Transcript, p2: Phase2Index, output: tuple[bytes, bytes], record: Record
) -> bytes:
    digest = write_blob(directory, output[0])
    final = replace(
        record,
        output=digest,
        hash=cer.compute_record_hash(record.parent, digest, output[1], record.name, record.comment),
    )
    write_transcript(directory, replace(t, phase2=replace(p2, records=(*p2.records, final))))
    return final.hash


def add_phase2(directory: Path, name: str, comment: str, entropy: bytes) -> bytes:
    """Contributes a delta to phase 2; returns the new record's hash."""
    t, p2, prev, parent = _open_phase2(directory)
    out = cer.contribute_phase2(prev, parent, entropy)
    return _append_phase2(directory, t, p2, out, Record(parent, b"", out[1], name, comment, b""))


def add_phase2_beacon(directory: Path, beacon: cer.Beacon) -> bytes:
    """The beacon's delta, which closes phase 2; returns its record's hash."""
    t, p2, prev, parent = _open_phase2(directory)
    if not p2.records:
        raise CeremonyError("phase 2 has no contribution yet: a beacon alone is public")
    out = cer.contribute_phase2_beacon(prev, parent, beacon)
    record = Record(parent, b"", out[1], "beacon", get_beacon_comment(beacon), b"", beacon)
    return _append_phase2(directory, t, p2, out, record)


def _check_record(r: Record, parent: bytes, where: str) -> None:
    if r.parent != parent:
        raise CeremonyError(f"{where}: its parent hash is not the previous contribution's hash")
    if cer.compute_record_hash(r.parent, r.output, r.proofs, r.name, r.comment) != r.hash:
        raise CeremonyError(f"{where}: its record hash does not match its contents")


def _where(phase: int, i: int, r: Record) -> str:
    return f"phase {phase} contribution {i} ({r.name!r})"


def _check_beacon_place(r: Record, i: int, count: int, where: str) -> None:
    """A beacon is last, after at least one contribution, and says so in its comment."""
    if r.beacon is not None and (
        i != count - 1 or i == 0 or r.comment != get_beacon_comment(r.beacon)
    ):
        raise CeremonyError(
            f"{where}: a beacon must be the last contribution, after another, with its comment"
        )


def _verify_step(where: str, check: Callable[..., None], *args: object) -> None:
    try:
        check(*args)
    except (CeremonyError, DecodeError) as err:
        raise CeremonyError(f"{where}: {err}") from err


def _verify_phase1(directory: Path, t: Transcript) -> bytes:
    """Walks phase 1; returns the final accumulator."""
    limit = cer.get_phase1_encoded_len(t.log_size)
    prev = read_blob(directory, t.start, limit)
    if prev != cer.new_phase1(t.log_size):
        raise CeremonyError("the starting phase 1 accumulator is not the standard one")
    parent, chain = cer.compute_phase1_root(t.start), cer.Phase1Chain(prev)
    for i, r in enumerate(t.phase1):
        where = _where(1, i, r)
        _check_record(r, parent, where)
        _check_beacon_place(r, i, len(t.phase1), where)
        nxt = read_blob(directory, r.output, limit)
        _verify_step(where, chain.check, nxt, parent, r.proofs, r.beacon)
        prev, parent = nxt, r.hash
    return prev


def get_config(batch_size: int, tree_depth: int) -> snark.CircuitConfig:
    """The circuit of a phase 2; ``CeremonyError`` for a shape the circuit does not take."""
    try:
        return snark.CircuitConfig(batch_size, tree_depth)
    except (ValueError, OverflowError) as err:
        raise CeremonyError(f"phase 2 circuit: {err}") from err


def _verify_phase2(directory: Path, t: Transcript, p2: Phase2Index, final: bytes) -> bytes:
    config = get_config(p2.batch_size, p2.tree_depth)
    if config.circuit_id != p2.circuit_id:
        raise CeremonyError("phase 2's circuit id is not this software's for its batch and depth")
    prev = read_blob(directory, p2.start, MAX_PARAMETERS_BYTES)
    try:
        cer.check_phase2_start(final, prev, p2.batch_size, p2.tree_depth)
    except (CeremonyError, DecodeError, ValueError) as err:  # ValueError: phase 1 too small
        raise CeremonyError(f"phase 2's starting parameters: {err}") from err
    parent, chain = _phase2_root(t, p2), cer.Phase2Chain(prev)
    for i, r in enumerate(p2.records):
        where = _where(2, i, r)
        _check_record(r, parent, where)
        _check_beacon_place(r, i, len(p2.records), where)
        nxt = read_blob(directory, r.output, len(prev))  # a contribution keeps every length
        _verify_step(where, chain.check, nxt, parent, r.proofs, r.beacon)
        prev, parent = nxt, r.hash
    return prev


def verify_transcript(directory: Path, phase2: bool = True) -> Verified:
    """Verifies every contribution from the start (``CeremonyError`` naming the first bad one);
    phase 1 alone when ``phase2`` is false."""
    t = read_transcript(directory)
    final = _verify_phase1(directory, t)
    if t.phase2 is None or not phase2:
        return Verified(_phase1_head(t))
    if not t.is_phase1_closed:
        raise CeremonyError("phase 2 began before phase 1's beacon")
    params = _verify_phase2(directory, t, t.phase2, final)
    head = t.phase2.records[-1].hash if t.phase2.records else _phase2_root(t, t.phase2)
    config = get_config(t.phase2.batch_size, t.phase2.tree_depth)
    return Verified(head, params, config, len(t.phase2.records))


def get_final_key(directory: Path) -> tuple[snark.ProvingKey, bytes]:
    """The verified ceremony's proving key and transcript hash; ``CeremonyError`` if it does not
    verify or phase 2 has no contribution (delta still 1: the keys would be forgeable)."""
    verified = verify_transcript(directory)
    if verified.parameters is None or verified.config is None or verified.phase2_count == 0:
        raise CeremonyError("phase 2 has no contribution yet: its delta is 1, the keys insecure")
    pk = snark.ProvingKey.from_bytes(verified.config, verified.parameters)
    return pk, verified.transcript_sha256
