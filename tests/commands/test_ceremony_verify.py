"""``zkpov ceremony phase2 verify`` on a copy of the small finished ceremony with one phase-2
corruption: a swapped H element, a delta differing between G1 and G2, a wrong proof of
knowledge, a contribution built on a stale parameter file, a reused parent hash. Each fails in
one line that names the contribution (phase 1's are in tests/crypto/test_ceremony_transcript.py).

A start file that does not follow from the final phase 1 fails naming phase 2's starting
parameters and the query. Marked slow (the shared ``done`` fixture takes minutes). Each verify
here skips what the honest export in test_ceremony.py already checks: the phase-1 walk (its final
accumulator is read from the directory). Everything after it runs as in production."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.ceremony_cli import G1, G2, get_a_offset, get_h_offset, get_params, run
from zkpov.crypto import ceremony as cer
from zkpov.crypto import ceremony_transcript as ct
from zkpov.crypto.ceremony_index import INDEX_FILE, read_transcript, write_blob

Index = dict[str, Any]


@pytest.fixture
def copy(done: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``done`` whose verify reads phase 1's result from disk."""
    d = tmp_path / "ceremony"
    shutil.copytree(done, d)
    t = read_transcript(d)
    assert t.phase2 is not None
    final = (d / f"{t.phase1_output.hex()}.bin").read_bytes()
    monkeypatch.setattr(ct, "_verify_phase1", lambda *_: final)
    return d


def _records(index: Index) -> list[dict[str, Any]]:
    return index["phase2"]["contributions"]  # type: ignore[no-any-return]


def _rehash_from(index: Index, i: int) -> None:
    """Recompute record ``i``'s hash, then re-chain every later record onto it."""
    records = _records(index)
    for j in range(i, len(records)):
        r = records[j]
        if j > i:
            r["parent"] = records[j - 1]["hash"]
        parent, output, proofs = (bytes.fromhex(r[k]) for k in ("parent", "output", "proofs"))
        r["hash"] = cer.compute_record_hash(parent, output, proofs, r["name"], r["comment"]).hex()


def _set_output(d: Path, index: Index, i: int, params: bytes, proofs: str | None = None) -> None:
    r = _records(index)[i]
    r["output"] = write_blob(d, params).hex()
    r["proofs"] = proofs or r["proofs"]
    _rehash_from(index, i)


def swap_h(d: Path, index: Index) -> None:
    data, _ = get_params(d, 1)
    at, bad = get_h_offset(data), bytearray(data)
    bad[at : at + 2 * G1] = data[at + G1 : at + 2 * G1] + data[at : at + G1]
    _set_output(d, index, 1, bytes(bad))


def mismatch_delta(d: Path, index: Index) -> None:
    data, _ = get_params(d, 1)  # delta_g2 (the vk's fourth point) set to gamma_g2 (the third)
    _set_output(
        d, index, 1, data[: G1 + 2 * G2] + data[G1 + G2 : G1 + 2 * G2] + data[G1 + 3 * G2 :]
    )


def swap_proofs(d: Path, index: Index) -> None:
    _records(index)[1]["proofs"] = _records(index)[0]["proofs"]
    _rehash_from(index, 1)


def build_on_stale(d: Path, index: Index) -> None:
    """Erin's slot holds a contribution made on the starting parameters, not on dave's."""
    t = read_transcript(d)
    assert t.phase2 is not None
    start = (d / f"{t.phase2.start.hex()}.bin").read_bytes()
    params, proofs = cer.contribute_phase2(start, bytes.fromhex(_records(index)[1]["parent"]), b"")
    _set_output(d, index, 1, params, proofs.hex())


def reuse_parent(d: Path, index: Index) -> None:
    _records(index)[2]["parent"] = _records(index)[0]["hash"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("corrupt", "why"),
    [
        (swap_h, r"1 \('erin'\): .*H query is not"),
        (mismatch_delta, r"1 \('erin'\): .*delta in G1 and G2 differ"),
        (swap_proofs, r"1 \('erin'\): .*proof of knowledge"),
        (build_on_stale, r"1 \('erin'\): .*parent's times"),
        (reuse_parent, r"2 \('beacon'\): its parent hash is not the previous"),
    ],
)
def test_one_corruption_fails_verify_naming_the_contribution(
    copy: Path, corrupt: Callable[[Path, Index], None], why: str
) -> None:
    assert run("phase2", "verify", str(copy)).exit_code == 0  # the copy verifies as it is
    index = json.loads((copy / INDEX_FILE).read_text())
    corrupt(copy, index)
    (copy / INDEX_FILE).write_text(json.dumps(index))
    result = run("phase2", "verify", str(copy))
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert re.search(f"phase 2 contribution {why}", result.output), result.output


@pytest.mark.slow
def test_a_start_not_from_phase1_fails_verify_naming_the_query(copy: Path) -> None:
    """The start file with two A points swapped (re-hashed, its index entry updated): the
    random-combination check catches it before any contribution is walked."""
    index = json.loads((copy / INDEX_FILE).read_text())
    data = (copy / f"{index['phase2']['start']}.bin").read_bytes()
    at, bad = get_a_offset(data), bytearray(data)
    assert data[at : at + G1] != data[at + G1 : at + 2 * G1]
    bad[at : at + 2 * G1] = data[at + G1 : at + 2 * G1] + data[at : at + G1]
    index["phase2"]["start"] = write_blob(copy, bytes(bad)).hex()
    (copy / INDEX_FILE).write_text(json.dumps(index))
    result = run("phase2", "verify", str(copy))
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert re.search(r"phase 2's starting parameters: the A query does not", result.output), (
        result.output
    )
