"""Every CLI failure the operator can cause is one line on stderr and a non-zero exit code: no
traceback, and no half-written directory left behind (issue 11's list of paths, one by one)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from zkpov.cli import main
from zkpov.devnet.processes import find_free_base_port
from zkpov.node.ops.lock import hold_home_lock

ZKPOV = [sys.executable, "-m", "zkpov"]


def _dead_rpc() -> str:
    return f"http://127.0.0.1:{find_free_base_port(1)}"  # nothing listens there


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env or {"ZKPOV_DEBUG": ""})


def assert_one_line(result: Result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_keys_generate_into_a_missing_directory(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "key.json"
    line = assert_one_line(invoke("keys", "generate", "--out", str(out)))
    assert line == f"error: directory {out.parent} does not exist; create it first"
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("command", ["status", "tx"])
def test_node_down_is_one_line(tmp_path: Path, command: str) -> None:
    rpc = _dead_rpc()
    if command == "status":
        result = invoke("status", "--rpc", rpc)
    else:
        key = tmp_path / "account.json"
        assert invoke("keys", "generate", "--kind", "account", "--out", str(key)).exit_code == 0
        args = ["--key", str(key), "--to", "00" * 32, "--amount", "1", "--nonce", "1"]
        result = invoke("tx", "send", *args, "--rpc", rpc)
    assert "cannot reach the node" in assert_one_line(result)


def test_a_url_without_a_scheme_is_refused(tmp_path: Path) -> None:
    line = assert_one_line(invoke("status", "--rpc", "127.0.0.1:26657"), code=2)
    assert "expected http://host:port" in line
    key = tmp_path / "account.json"
    assert invoke("keys", "generate", "--kind", "account", "--out", str(key)).exit_code == 0
    args = ["--key", str(key), "--to", "00" * 32, "--amount", "1", "--nonce", "1"]
    result = invoke("tx", "send", *args, "--rpc", "127.0.0.1:26657")
    assert result.exit_code != 0 and len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--accounts", "200", "do not fit a depth-8 tree"),
        ("--depth", "7", "depth must be even"),
        ("--chain-id", "", "chain id"),
    ],
)
def test_testnet_checks_options_before_writing(
    tmp_path: Path, option: str, value: str, said: str
) -> None:
    out = tmp_path / "net"
    args = ["--output", str(out), "--validators", "4", option, value]
    assert said in assert_one_line(invoke("testnet", *args))
    assert list(tmp_path.iterdir()) == []  # no half-written directory, no leftover temp dir


@pytest.mark.parametrize("value", ["0", "-3", "4294967297", "twenty"])
def test_testnet_refuses_a_nonsense_epoch_length(tmp_path: Path, value: str) -> None:
    out = tmp_path / "net"
    args = ["--output", str(out), "--validators", "2", "--epoch-length", value]
    assert "--epoch-length" in assert_one_line(invoke("testnet", *args), code=2)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["0", "-1", "1.5"])
def test_devnet_refuses_a_nonsense_epoch_length(tmp_path: Path, value: str) -> None:
    args = ["--dir", str(tmp_path / "net"), "--no-proofs", "--epoch-length", value]
    assert "--epoch-length" in assert_one_line(invoke("devnet", *args), code=2)
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_an_empty_chain_id_at_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert "chain id" in assert_one_line(invoke("init", "--home", str(home), "--chain-id", ""))
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_a_non_empty_home(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    assert "not empty" in assert_one_line(invoke("init", "--home", str(tmp_path)))
    assert [p.name for p in tmp_path.iterdir()] == ["precious.txt"]


def test_circuit_info_refuses_a_negative_batch_size() -> None:
    line = assert_one_line(invoke("circuit", "info", "--batch-size", "-3"), code=2)
    assert "--batch-size" in line


def test_circuit_info_refuses_an_odd_depth() -> None:
    assert "even" in assert_one_line(invoke("circuit", "info", "--depth", "7"), code=2)


@pytest.mark.parametrize(
    "fault", [("--crash", "9@1"), ("--crash-random", "4:1"), ("--partition", "1:2:0-1/7")]
)
def test_sim_refuses_faults_on_nodes_that_do_not_exist(fault: tuple[str, str]) -> None:
    line = assert_one_line(invoke("sim", "--validators", "4", "--rounds", "2", *fault), code=2)
    assert "nodes are 0..3" in line


def test_sim_refuses_unknown_options() -> None:
    assert "--bogus" in assert_one_line(invoke("sim", "--bogus", "1"), code=2)


def test_a_second_start_on_a_home_in_use_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert invoke("init", "--home", str(home)).exit_code == 0
    with hold_home_lock(home):  # what a running node holds
        done = subprocess.run(
            [*ZKPOV, "start", "--home", str(home)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        f"error: home {home} is in use by another process (pid {os.getpid()})"
    ]


def test_zkpov_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = invoke("status", "--rpc", _dead_rpc(), env={"ZKPOV_DEBUG": "1"})
    assert isinstance(result.exception, OSError)


def test_a_real_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(config: object) -> list[str]:
        raise KeyError("a bug")

    monkeypatch.setattr("zkpov.commands.circuit.format_info", broken)
    result = invoke("circuit", "info", "--batch-size", "1", "--depth", "2")
    assert isinstance(result.exception, KeyError)


def test_sim_refuses_a_huge_node_range_before_building_it() -> None:
    line = assert_one_line(invoke("sim", "--partition", "1:2:0-999999999/1"), code=2)
    assert "--partition" in line


@pytest.mark.parametrize(
    "args",
    [
        ("status", "--rpc", "DEAD"),
        ("testnet", "--output", "OUT", "--accounts", "200"),
        ("circuit", "info", "--batch-size", "-3"),
    ],
)
def test_a_real_process_prints_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    named = {"DEAD": _dead_rpc(), "OUT": str(tmp_path / "net")}
    argv = [named.get(a, a) for a in args]
    done = subprocess.run([*ZKPOV, *argv], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode in (1, 2) and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("error: ")
    assert list(tmp_path.iterdir()) == []
