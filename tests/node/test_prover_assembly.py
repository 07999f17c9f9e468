"""The node's proving parts: none for a node that neither proves nor checks proofs, local
threads unless the config names a Dask scheduler. (A proving network: tests/node/test_runtime.)"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.node.test_runtime import free_base_port
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.setup import create_testnet
from zkpov.node.prover_assembly import _build_backend, build_pipeline, build_prover, load_keys
from zkpov.node.proving.prover import LocalProver
from zkpov.node.runtime import Node
from zkpov.node.state.genesis import read_genesis


def test_a_node_without_proofs_or_a_proof_lag_loads_no_keys_and_builds_no_prover(
    tmp_path: Path,
) -> None:
    layout = create_testnet(tmp_path / "net", 1, accounts=1, base_port=free_base_port(2))
    config = dataclasses.replace(load_node_config(layout.homes[0]), proofs_enabled=False)
    genesis = read_genesis(config.get_path(config.genesis_file))
    assert genesis.consensus.proof_lag == 0 and load_keys(config, genesis) is None
    node = Node(config)
    try:
        assert node.prover is None and node.pipeline is None
        args = (config, genesis, node.chain, node.store, node.gossip.publish_proof)
        assert build_prover(None, *args, lambda height: None, node.metrics) is None
        pipeline_args = (config, node.chain, node.index, 1, node.endings, node._start_task)
        assert build_pipeline(None, *pipeline_args) is None
    finally:
        node.close()


def test_the_backend_is_local_unless_a_dask_scheduler_is_named(tmp_path: Path) -> None:
    layout = create_testnet(tmp_path / "net", 1, accounts=1, base_port=free_base_port(2))
    config = load_node_config(layout.homes[0])
    assert config.prover == "local" and isinstance(_build_backend(config), LocalProver)
