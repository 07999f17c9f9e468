"""``zkpov evm export-verifier``: the contract source, its ABI and bytecode, in a new directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkpov.cli import main
from zkpov.crypto import snark, vk_json
from zkpov.evm import build_verifier

CONFIG = snark.CircuitConfig(1, 2)


@pytest.fixture(scope="module")
def points() -> vk_json.VerifyingKeyPoints:
    return vk_json.get_vk_points(snark.insecure_setup(CONFIG, b"cli-evm")[1], CONFIG.circuit_id)


@pytest.fixture
def vk_file(tmp_path: Path, points: vk_json.VerifyingKeyPoints) -> Path:
    path = tmp_path / "vk.json"
    path.write_text(json.dumps(vk_json.encode_vk_json(points)))
    return path


def export(vk_file: Path, out: Path) -> tuple[int, str]:
    args = ["evm", "export-verifier", "--vk", str(vk_file), "--out", str(out)]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output.strip()


def test_writes_source_abi_and_bytecode(
    tmp_path: Path, vk_file: Path, points: vk_json.VerifyingKeyPoints
) -> None:
    code, output = export(vk_file, tmp_path / "out")
    assert code == 0, output
    abi, bytecode = build_verifier(points)
    assert (tmp_path / "out" / "Verifier.bin").read_text().strip() == bytecode.hex()
    assert json.loads((tmp_path / "out" / "Verifier.abi.json").read_text()) == abi
    assert points.key_sha256 in (tmp_path / "out" / "Verifier.vy").read_text()


def test_refuses_a_directory_that_is_not_empty(tmp_path: Path, vk_file: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep").write_text("x")
    code, output = export(vk_file, tmp_path / "out")
    assert code == 1
    assert output.startswith("error: ") and "not empty" in output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["keep"]


def test_refuses_a_file_that_is_not_json_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "vk.json"
    bad.write_text("{nope")
    code, output = export(bad, tmp_path / "out")
    assert code == 1 and output.startswith("error: ") and "is not JSON" in output
    assert not (tmp_path / "out").exists()
