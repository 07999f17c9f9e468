"""``zkpov slashing export|import``: the signing history moves between homes of one chain; a
file for another chain, a malformed file or a home without a slashing database is one line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkpov.cli import main
from zkpov.commands.slashing import _write_new
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.state.genesis import compute_genesis_hash, read_genesis
from zkpov.storage.slashing_db import DoubleSignError, SignedKind, SlashingDB

DB = Path("data/slashing.sqlite")


def run(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["slashing", *args])
    return result.exit_code, result.output.strip().splitlines()


def open_db(home: Path) -> SlashingDB:
    genesis = read_genesis(home / load_node_config(home).genesis_file)
    return SlashingDB(home / DB, compute_genesis_hash(genesis), create=False)


def validator_key(home: Path) -> bytes:
    return read_key_file(home / load_node_config(home).validator_key_file, KeyKind.VALIDATOR).public


def root(tag: str) -> bytes:
    return hashlib.sha256(tag.encode()).digest()


@pytest.fixture
def net(tmp_path: Path) -> TestnetLayout:
    return create_testnet(tmp_path / "net", 2, accounts=0)


def test_export_then_import_moves_the_signing_history(net: TestnetLayout, tmp_path: Path) -> None:
    old, new = net.homes
    key = validator_key(old)
    with open_db(old) as db:
        db.check_and_record_vote(key, 0, 5, root("v5"))
        db.check_and_record_proposal(key, 0, 5, root("p5"))
    out = tmp_path / "history.json"
    assert run("export", "--home", str(old), "--output", str(out))[0] == 0
    assert json.loads(out.read_text())["data"][0]["pubkey"] == "0x" + key.hex()
    code, lines = run("import", "--home", str(new), "--input", str(out))
    assert code == 0 and lines == ["imported 2 new records; 2 low watermarks rose"]
    with open_db(new) as db:
        assert db.get_records(key, SignedKind.VOTE) == [(0, 5, root("v5"))]
        with pytest.raises(DoubleSignError):
            db.check_and_record_vote(key, 0, 5, root("another block"))


def test_export_never_overwrites(net: TestnetLayout, tmp_path: Path) -> None:
    out = tmp_path / "history.json"
    out.write_text("keep me")
    code, lines = run("export", "--home", str(net.homes[0]), "--output", str(out))
    assert code == 1 and lines == [f"error: {out} exists; refusing to overwrite it"]
    assert out.read_text() == "keep me"


def test_a_file_that_appears_before_the_write_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "history.json"
    out.write_text("keep me")  # after export's check: a rename would replace it
    with pytest.raises(FileExistsError):
        _write_new(out, b"{}")
    assert out.read_text() == "keep me" and sorted(tmp_path.iterdir()) == [out]


def test_an_interchange_of_another_chain_is_refused(net: TestnetLayout, tmp_path: Path) -> None:
    other = create_testnet(tmp_path / "other", 1, accounts=0)
    out = tmp_path / "other.json"
    assert run("export", "--home", str(other.homes[0]), "--output", str(out))[0] == 0
    code, lines = run("import", "--home", str(net.homes[0]), "--input", str(out))
    assert code == 1 and lines == ["error: interchange is for another genesis validators root"]


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"[]", b'{"metadata": {}}'])
def test_a_malformed_interchange_is_one_line(
    net: TestnetLayout, tmp_path: Path, content: bytes
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    code, lines = run("import", "--home", str(net.homes[0]), "--input", str(bad))
    assert code == 1 and len(lines) == 1 and lines[0].startswith("error: interchange")


def test_a_home_without_a_slashing_database_is_refused_and_none_is_created(
    net: TestnetLayout, tmp_path: Path
) -> None:
    home = net.homes[0]
    (home / DB).unlink()
    code, lines = run("export", "--home", str(home), "--output", str(tmp_path / "x.json"))
    assert code == 1 and lines == [f"error: no slashing-protection database at {home / DB}"]
    code, lines = run("import", "--home", str(home), "--input", str(tmp_path / "missing.json"))
    assert code == 1 and len(lines) == 1 and "missing.json" in lines[0]
    assert not (home / DB).exists() and not (tmp_path / "x.json").exists()
