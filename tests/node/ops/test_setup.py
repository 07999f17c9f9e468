"""zkpov.node.ops.setup and the ``zkpov testnet`` / ``init`` / ``keys`` commands."""

from __future__ import annotations

import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from zkpov.cli import main
from zkpov.commands.testnet import get_ceremony_circuit
from zkpov.crypto import ceremony_transcript as ct
from zkpov.crypto import snark
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import ACCOUNT_FUNDS, VALIDATOR_STAKE, SetupError, create_testnet
from zkpov.node.state.genesis import read_genesis


def test_testnet_writes_consistent_homes(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["testnet", "--validators", "4", "--output", str(tmp_path / "net")]
    )
    assert result.exit_code == 0, result.output
    homes = sorted((tmp_path / "net").glob("node*"))
    assert len(homes) == 4
    genesis = read_genesis(homes[0] / "genesis.json")
    keys = []
    for i, home in enumerate(homes):
        config = load_node_config(home)
        key_path = config.get_path(config.validator_key_file)
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
        keys.append(read_key_file(key_path, KeyKind.VALIDATOR).public)
        assert (home / "genesis.json").read_text() == (homes[0] / "genesis.json").read_text()
        assert {p.validator_public_key for p in config.peers} | {keys[-1]} == {
            v.bls_public_key for v in genesis.validators
        }
        assert config.p2p_listen[1] == 26656 + 2 * i
    assert keys == [v.bls_public_key for v in genesis.validators]


def test_testnet_epoch_length_turns_epochs_on(tmp_path: Path) -> None:
    args = ["testnet", "--validators", "2", "--epoch-length", "20", "--output", str(tmp_path / "n")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    genesis = read_genesis(tmp_path / "n" / "node0" / "genesis.json")
    assert genesis.epochs and genesis.epoch_length == 20 == genesis.consensus.epoch_length


@pytest.mark.parametrize("length", [0, -1, 2**32 + 1, True, 2.5])
def test_create_testnet_refuses_a_nonsense_epoch_length(tmp_path: Path, length: object) -> None:
    with pytest.raises(SetupError, match="epoch length"):
        create_testnet(tmp_path / "net", 2, epoch_length=length)
    assert list(tmp_path.iterdir()) == []


def test_testnet_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(main, ["testnet", "--output", str(tmp_path)])
    assert result.exit_code != 0
    assert "not empty" in result.output


def test_init_and_keys_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    home = tmp_path / "home"
    assert runner.invoke(main, ["init", "--home", str(home)]).exit_code == 0
    shown = runner.invoke(main, ["keys", "show", str(home / "keys" / "validator_key.json")])
    genesis = read_genesis(home / "genesis.json")
    assert shown.output.strip() == genesis.validators[0].bls_public_key.hex()
    out = tmp_path / "acct.json"
    made = runner.invoke(main, ["keys", "generate", "--kind", "account", "--out", str(out)])
    assert made.exit_code == 0
    again = runner.invoke(main, ["keys", "generate", "--kind", "account", "--out", str(out)])
    assert again.exit_code != 0 and "refusing" in again.output


def test_testnet_on_an_unfinished_ceremony_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    ceremony, net = tmp_path / "c", tmp_path / "net"
    ct.create(ceremony, 2)
    ct.add_phase1(ceremony, "alice", "", b"")
    for args, why in [
        ([str(ceremony)], "no contribution yet"),
        ([str(tmp_path / "missing")], "cannot read"),
    ]:
        result = CliRunner().invoke(main, ["testnet", "--output", str(net), "--ceremony", *args])
        assert result.exit_code == 1 and why in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
        assert not net.exists()


def test_a_ceremony_decides_the_circuit_and_a_different_one_is_refused() -> None:
    config = snark.CircuitConfig(1, 2)
    assert get_ceremony_circuit(config, None, None) == (1, 2)
    assert get_ceremony_circuit(config, 1, 2) == (1, 2)
    with pytest.raises(click.UsageError, match="batch 1, depth 2"):
        get_ceremony_circuit(config, 2, None)
    with pytest.raises(click.UsageError, match="batch 1, depth 2"):
        get_ceremony_circuit(config, None, 4)


def test_joiner_homes_hold_keys_outside_the_genesis_set_and_a_funded_account(
    tmp_path: Path,
) -> None:
    layout = create_testnet(tmp_path / "net", 2, joiners=1, epoch_length=5, base_port=30000)
    (joiner,) = layout.joiner_homes
    assert joiner == tmp_path / "net" / "node2"
    config = load_node_config(joiner)
    key = read_key_file(config.get_path(config.validator_key_file), KeyKind.VALIDATOR).public
    genesis = read_genesis(joiner / "genesis.json")
    assert key not in {v.bls_public_key for v in genesis.validators}
    assert {p.validator_public_key for p in config.peers} == {
        v.bls_public_key for v in genesis.validators
    }  # it dials the genesis set, which admits it once its join commits
    assert config.p2p_listen[1] == 30004 and len(layout.account_key_files) == 8
    account = read_key_file(layout.joiner_account_key_files[0], KeyKind.ACCOUNT).public
    funded = {a.public_key: a.balance for a in genesis.accounts}
    assert funded[account] == VALIDATOR_STAKE + ACCOUNT_FUNDS


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"joiners": 1}, "need epochs"),
        ({"joiners": 17, "epoch_length": 5}, "1 to 16"),
        ({"joiners": 2, "epoch_length": 5, "accounts": 127}, "do not fit"),
    ],
)
def test_joiners_that_cannot_join_are_refused_before_anything_is_written(
    tmp_path: Path, options: dict[str, int], message: str
) -> None:
    with pytest.raises(SetupError, match=message):
        create_testnet(tmp_path / "net", 2, **options)  # type: ignore[arg-type]
    assert not (tmp_path / "net").exists()
