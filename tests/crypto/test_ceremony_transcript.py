"""A phase-1 ceremony in a directory (size 2^2, so each step is milliseconds): honest
contributions and a beacon verify; each corruption names the contribution it breaks."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from zkpov.crypto import ceremony as cer
from zkpov.crypto import ceremony_transcript as ct
from zkpov.crypto.ceremony_index import (
    INDEX_FILE,
    Record,
    read_transcript,
    write_blob,
    write_transcript,
)
from zkpov.errors import CeremonyError, DecodeError

BEACON = cer.Beacon(b"block 42", 3)


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("c") / "ceremony"
    ct.create(d, 2)
    for name in ("alice", "bob", "carol"):
        ct.add_phase1(d, name, f"{name}'s laptop", b"typed text")
    ct.add_beacon(d, BEACON)
    return d


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(src, dst)
    return dst


def _edit(d: Path, edit: object) -> None:
    index = json.loads((d / INDEX_FILE).read_text())
    edit(index)  # type: ignore[operator]
    (d / INDEX_FILE).write_text(json.dumps(index))


def _rehash(record: dict[str, object]) -> None:
    r = {k: record[k] for k in ("parent", "output", "proofs")}
    parts = [bytes.fromhex(str(r[k])) for k in ("parent", "output", "proofs")]
    record["hash"] = cer.compute_record_hash(
        *parts, str(record["name"]), str(record["comment"])
    ).hex()


def test_honest_ceremony_verifies_and_chains(ceremony: Path) -> None:
    t = read_transcript(ceremony)
    assert [r.name for r in t.phase1] == ["alice", "bob", "carol", "beacon"]
    assert t.phase1[0].parent == cer.compute_phase1_root(t.start)
    assert all(t.phase1[i + 1].parent == t.phase1[i].hash for i in range(3))
    assert ct.verify_transcript(ceremony).transcript_sha256 == t.phase1[-1].hash
    assert t.is_phase1_closed
    with pytest.raises(CeremonyError, match="closed"):
        ct.add_phase1(ceremony, "late", "", b"")


def test_create_refuses_an_existing_directory_and_leaves_none_half_written(tmp_path: Path) -> None:
    with pytest.raises(CeremonyError, match="exists"):
        ct.create(tmp_path, 2)
    with pytest.raises(ValueError):
        ct.create(tmp_path / "big", 30)
    assert not (tmp_path / "big").exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_wrong_proof_of_knowledge_names_the_contribution(ceremony: Path, tmp_path: Path) -> None:
    d = _copy(ceremony, tmp_path)

    def swap(index: dict[str, list[dict[str, object]]]) -> None:
        index["phase1"][1]["proofs"] = index["phase1"][0]["proofs"]
        _rehash(index["phase1"][1])
        for i in (2, 3):  # keep the chain of hashes intact after the edit
            index["phase1"][i]["parent"] = index["phase1"][i - 1]["hash"]
            _rehash(index["phase1"][i])

    _edit(d, swap)
    with pytest.raises(
        CeremonyError, match=r"phase 1 contribution 1 \('bob'\).*proof of knowledge"
    ):
        ct.verify_transcript(d)


def test_a_reused_parent_hash_is_refused(ceremony: Path, tmp_path: Path) -> None:
    d = _copy(ceremony, tmp_path)
    _edit(d, lambda i: i["phase1"][2].update(parent=i["phase1"][0]["hash"]))
    with pytest.raises(CeremonyError, match=r"contribution 2 \('carol'\): its parent hash"):
        ct.verify_transcript(d)


def test_a_contribution_on_a_stale_accumulator_is_refused(ceremony: Path, tmp_path: Path) -> None:
    d = _copy(ceremony, tmp_path)
    t = read_transcript(d)
    stale = (d / f"{t.phase1[0].output.hex()}.bin").read_bytes()  # alice's, not bob's
    parent = t.phase1[1].hash
    acc, proofs = cer.contribute_phase1(stale, parent, b"")
    digest = write_blob(d, acc)

    def graft(index: dict[str, list[dict[str, object]]]) -> None:
        index["phase1"][2].update(output=digest.hex(), proofs=proofs.hex())
        _rehash(index["phase1"][2])
        del index["phase1"][3]

    _edit(d, graft)
    with pytest.raises(CeremonyError, match=r"contribution 2 \('carol'\).*parent's times"):
        ct.verify_transcript(d)


def test_a_tampered_record_or_accumulator_is_refused(ceremony: Path, tmp_path: Path) -> None:
    d = _copy(ceremony, tmp_path)
    _edit(d, lambda i: i["phase1"][0].update(comment="edited"))
    with pytest.raises(CeremonyError, match=r"contribution 0.*record hash"):
        ct.verify_transcript(d)
    d2 = tmp_path / "d2"
    shutil.copytree(ceremony, d2)
    out = read_transcript(d2).phase1[1].output
    blob = d2 / f"{out.hex()}.bin"
    data = blob.read_bytes()  # flip a bit: a fixed last byte equals the real one 1 time in 256
    blob.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(CeremonyError, match="SHA-256"):
        ct.verify_transcript(d2)


def test_the_beacon_is_recomputed(ceremony: Path, tmp_path: Path) -> None:
    d = _copy(ceremony, tmp_path)
    other = cer.Beacon(b"block 43", 3)

    def swap(index: dict[str, list[dict[str, object]]]) -> None:
        index["phase1"][3]["beacon"] = {"value": other.value.hex(), "log_iterations": 3}
        index["phase1"][3]["comment"] = ct.get_beacon_comment(other)
        _rehash(index["phase1"][3])

    _edit(d, swap)
    with pytest.raises(CeremonyError, match=r"contribution 3 \('beacon'\).*beacon"):
        ct.verify_transcript(d)


def test_hostile_bytes_are_typed_errors() -> None:
    acc = cer.new_phase1(2)
    with pytest.raises(DecodeError, match="must be 2409 bytes"):
        cer.contribute_phase1(acc[:-1], bytes(32), b"")
    with pytest.raises(DecodeError, match="32 bytes"):
        cer.contribute_phase1(acc, b"short", b"")
    with pytest.raises(DecodeError, match="off the curve"):
        cer.verify_phase1(acc, acc, bytes(32), bytes(cer.PHASE1_PROOFS_BYTES))
    with pytest.raises(DecodeError, match="must be 1152 bytes"):
        cer.verify_phase1(acc, acc, bytes(32), bytes(100))
    with pytest.raises(DecodeError):  # a start that is not a key fails before any synthesis
        cer.check_phase2_start(acc, b"not a key", 1, 2)
    with pytest.raises(ValueError, match="batch"):
        cer.check_phase2_start(acc, b"", 0, 2)
    assert len(acc) == cer.get_phase1_encoded_len(2)


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda i: i.update(version=2), "unknown version"),
        (lambda i: i.update(log_size=40), "log_size must be in"),
        (lambda i: i.update(log_size=True), "log_size must be a int"),
        (lambda i: i["phase1"][0].update(index=5), "index must be 0"),
        (lambda i: i["phase1"][0].update(parent="zz"), "not hex"),
        (lambda i: i["phase1"][0].update(proofs="00"), "proofs must be 1152 bytes"),
        (lambda i: i["phase1"][0].update(name="x" * 129), "longer than 128"),
        (lambda i: i.update(phase1=i["phase1"] * 300), "more than 1024"),
        (lambda i: i["phase1"][3]["beacon"].update(log_iterations=43), "log_iterations"),
    ],
)
def test_a_hostile_index_is_a_typed_error(
    ceremony: Path, tmp_path: Path, edit: object, why: str
) -> None:
    d = _copy(ceremony, tmp_path)
    _edit(d, edit)
    with pytest.raises(CeremonyError, match=why):
        read_transcript(d)


def test_an_oversized_index_is_refused_before_parsing(tmp_path: Path) -> None:
    (tmp_path / INDEX_FILE).write_bytes(b" " * (4 << 20) + b"{}")
    with pytest.raises(CeremonyError, match="larger than"):
        read_transcript(tmp_path)


def test_a_beacon_needs_a_contribution_before_it(tmp_path: Path) -> None:
    """A beacon's secrets are public: a phase closed by a beacon alone would be forgeable."""
    d = tmp_path / "c"
    ct.create(d, 2)
    with pytest.raises(CeremonyError, match="no contribution yet"):
        ct.add_beacon(d, BEACON)
    with pytest.raises(CeremonyError, match="phase 2 has not begun"):
        ct.add_phase2_beacon(d, BEACON)
    t = read_transcript(d)  # a hand-made index with the beacon first
    parent = cer.compute_phase1_root(t.start)
    acc, proofs = cer.contribute_phase1_beacon(
        (d / f"{t.start.hex()}.bin").read_bytes(), parent, BEACON
    )
    digest, comment = write_blob(d, acc), ct.get_beacon_comment(BEACON)
    record_hash = cer.compute_record_hash(parent, digest, proofs, "beacon", comment)
    record = Record(parent, digest, proofs, "beacon", comment, record_hash, BEACON)
    write_transcript(d, replace(t, phase1=(record,)))
    with pytest.raises(CeremonyError, match=r"contribution 0 \('beacon'\).*after another"):
        ct.verify_transcript(d)
