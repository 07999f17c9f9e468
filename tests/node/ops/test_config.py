"""zkpov.node.ops.config: TOML round trip and strict rejection of bad config files."""

from __future__ import annotations

from pathlib import Path

import pytest

from zkpov.node.ops.config import (
    NodeConfig,
    NodeConfigError,
    PeerAddress,
    decode_node_config,
    load_node_config,
    parse_prover,
    write_node_config,
)


def test_round_trip(tmp_path: Path) -> None:
    config = NodeConfig(
        home=tmp_path,
        moniker="n1",
        p2p_listen=("127.0.0.1", 30000),
        peers=(PeerAddress(b"\xaa" * 48, "127.0.0.1", 30002),),
        prune_keep_blocks=2000,
        proofs_enabled=False,
        prover="dask://10.0.0.5:8786",
        max_block_transfers=300,
    )
    write_node_config(config)
    assert load_node_config(tmp_path) == config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[node\n", "does not parse"),
        ("[bogus]\nx = 1\n", "unknown section"),
        ("[node]\ncolour = 'red'\n", "unknown key"),
        ("[storage]\nprune_keep_blocks = 'ten'\n", "expected int"),
        ("[storage]\nprune_keep_blocks = -1\n", "negative"),
        ("[storage]\nprune_keep_blocks = 10\n", "at least 1024"),
        ("[prover]\nprover = 'remote'\n", 'expected "local" or "dask://HOST:PORT"'),
        ("[prover]\nprover = 'tcp://127.0.0.1:8786'\n", 'expected "local"'),
        ("[prover]\nprover = 'dask://127.0.0.1'\n", "expected host:port"),
        ("[prover]\nprover = 'dask://:8786'\n", "expected host:port"),
        ("[prover]\nprover = 'dask://h:70000'\n", "expected host:port"),
        ("[prover]\nprover = 1\n", "expected str"),
        ("[p2p]\nlisten = '127.0.0.1'\n", "host:port"),
        ("[p2p]\nlisten = '127.0.0.1:70000'\n", "host:port"),
        ("[[p2p.peers]]\nvalidator = 'aa'\naddress = '127.0.0.1:1'\n", "48-byte"),
        ("[[p2p.peers]]\nvalidator = 'zz'\naddress = '127.0.0.1:1'\n", "not hex"),
        ("[[p2p.peers]]\naddress = '127.0.0.1:1'\n", "expected"),
        ("[mempool]\nmax_block_transfers = 0\n", "in 1..4096"),
        ("[mempool]\nmax_block_transfers = 4097\n", "in 1..4096"),
    ],
)
def test_bad_config_is_rejected(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(NodeConfigError, match=message):
        decode_node_config(text, tmp_path)


def test_the_prover_is_local_or_a_dask_scheduler() -> None:
    assert parse_prover("local") is None
    assert parse_prover("dask://127.0.0.1:8786") == ("127.0.0.1", 8786)


def test_missing_config(tmp_path: Path) -> None:
    with pytest.raises(NodeConfigError, match="cannot read"):
        load_node_config(tmp_path)
