"""``zkpov ceremony``: phase 1 through the CLI at 2^2 (fast), and, marked slow, three
contributors and a beacon, then phase 2 (two contributors and a beacon) for the smallest
transfer circuit (batch 1, depth 2, a 2^14 domain: minutes on a loaded machine); the exported
key proves and verifies a real transfer and refuses a proof made with the insecure setup's
trapdoor, and corrupt phase-2 parameters or beacon value fail the step check."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.node.test_runtime import free_base_port, make_transfer, wait_for
from tests.support.ceremony_cli import G1, G2, get_h_offset, get_params, ok, run
from tests.support.ceremony_cli import SMALL_CIRCUIT as CONFIG
from zkpov.chain.state import AccountState, sign_transfer
from zkpov.cli import main
from zkpov.crypto import ceremony as cer
from zkpov.crypto import ceremony_transcript as ct
from zkpov.crypto import schnorr, snark
from zkpov.crypto.ceremony_index import INDEX_FILE
from zkpov.errors import CeremonyError
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.key_cache import get_ceremony_key_path, load_circuit_keys
from zkpov.node.ops.lock import hold_file_lock
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.runtime import Node
from zkpov.node.state.genesis import compute_genesis_hash
from zkpov.node.state.genesis_setup import CeremonySetup

ALICE, BOB = schnorr.generate_keypair(), schnorr.generate_keypair()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("s") / "ceremony"
    ok("phase1", "new", str(d), "--log-size", "2")
    for name in ("alice", "bob", "carol"):
        ok("phase1", "contribute", str(d), "--name", name, "--comment", "laptop")
    ok("phase1", "beacon", str(d), "--value", "00ff", "--log-iterations", "2")
    return d


def test_phase1_through_the_cli(small: Path) -> None:
    head = ok("phase1", "verify", str(small))
    index = json.loads((small / INDEX_FILE).read_text())
    assert [r["name"] for r in index["phase1"]] == ["alice", "bob", "carol", "beacon"]
    assert index["phase1"][-1]["hash"] == head


@pytest.mark.slow
def test_the_exported_key_proves_real_transfers_and_refuses_insecure_proofs(
    done: Path, tmp_path: Path
) -> None:
    setup = json.loads(ok("phase2", "export", str(done), "--cache-dir", str(tmp_path)))
    index = json.loads((done / INDEX_FILE).read_text())
    assert [r["name"] for r in index["phase2"]["contributions"]] == ["dave", "erin", "beacon"]
    head = index["phase2"]["contributions"][-1]["hash"]
    assert setup["kind"] == "ceremony" and setup["transcript_sha256"] == head
    closed = run("phase2", "contribute", str(done))
    assert closed.exit_code == 1 and "phase 2 is closed" in closed.output
    pinned = CeremonySetup(bytes.fromhex(setup["verifying_key_sha256"]), bytes.fromhex(head))
    pk, vk = load_circuit_keys(1, 2, tmp_path, b"\x07" * 32, pinned)
    state = AccountState(2)
    state.credit(1, ALICE.public_key, 100)
    transfer = sign_transfer(ALICE.secret_key, 1, 2, BOB.public_key, 10, 1)
    proof, inputs = snark.prove(pk, state, [transfer])
    assert snark.verify(vk, inputs, proof)
    insecure_pk, insecure_vk = snark.insecure_setup(CONFIG, b"zkpov-devnet" + b"\x07" * 32)
    forged, _ = snark.prove(insecure_pk, state, [transfer])
    assert snark.verify(insecure_vk, inputs, forged)
    assert not snark.verify(vk, inputs, forged)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("what", "why"),
    [("swap_h", "H query is not"), ("delta_g2", "delta in G1 and G2 differ")],
)
def test_corrupt_phase2_parameters_fail(done: Path, what: str, why: str) -> None:
    """The transcript walk's check of one step (its naming is tested at 2^2 in
    tests/crypto/test_ceremony_transcript.py), without recomputing phase 2's start."""
    prev, _ = get_params(done, 0)
    data, parent = get_params(done, 1)
    proof = bytes.fromhex(
        json.loads((done / INDEX_FILE).read_text())["phase2"]["contributions"][1]["proofs"]
    )
    cer.Phase2Chain(prev).check(data, bytes.fromhex(parent), proof)  # the honest one passes
    bad = bytearray(data)
    if what == "swap_h":
        at = get_h_offset(data)
        bad[at : at + 2 * G1] = data[at + G1 : at + 2 * G1] + data[at : at + G1]
    else:  # delta_g2 (the vk's fourth point) set to gamma_g2 (the third)
        bad[G1 + 2 * G2 : G1 + 3 * G2] = data[G1 + G2 : G1 + 2 * G2]
    with pytest.raises(CeremonyError, match=why):
        cer.Phase2Chain(prev).check(bytes(bad), bytes.fromhex(parent), proof)


@pytest.mark.slow
def test_the_phase2_beacon_is_recomputed(done: Path) -> None:
    prev, _ = get_params(done, 1)
    data, parent = get_params(done, 2)
    record = json.loads((done / INDEX_FILE).read_text())["phase2"]["contributions"][2]
    proof = bytes.fromhex(record["proofs"])
    chain_args = (data, bytes.fromhex(parent), proof)
    cer.Phase2Chain(prev).check(*chain_args, cer.Beacon(bytes.fromhex("0a0b"), 2))
    with pytest.raises(CeremonyError, match="beacon value"):
        cer.Phase2Chain(prev).check(*chain_args, cer.Beacon(bytes.fromhex("0a0c"), 2))


def test_mistakes_are_one_line_errors(small: Path, tmp_path: Path) -> None:
    result = run("phase2", "contribute", str(tmp_path / "missing"))
    assert result.exit_code == 1 and "not a ceremony directory" in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = run("phase1", "contribute", str(small))
    assert result.exit_code == 1 and "phase 1 is closed" in result.output
    result = run("phase1", "new", str(small))
    assert result.exit_code == 1 and "exists" in result.output
    result = run("phase1", "beacon", str(small), "--value", "zz")
    assert result.exit_code == 2 and "hex" in result.output
    result = run("phase2", "beacon", str(small), "--value", "00")
    assert result.exit_code == 1 and "phase 2 has not begun" in result.output
    result = run("phase2", "new", str(small), "--batch-size", "1", "--depth", "3")
    assert result.exit_code == 1 and "tree depth must be even" in result.output
    result = run("phase2", "new", str(small), "--batch-size", "1", "--depth", "2")
    assert result.exit_code == 1 and "needs a phase 1 of size 16384" in result.output
    assert not any(p.name.startswith(".") for p in small.iterdir())
    result = run("phase2", "export", str(small), "--cache-dir", str(tmp_path / "keys"))
    assert result.exit_code == 1 and "no contribution" in result.output


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    d = tmp_path / "c"
    ok("phase1", "new", str(d), "--log-size", "2")
    with hold_file_lock(d / "ceremony.lock", wait=True):
        result = run("phase1", "contribute", str(d))
    assert result.exit_code == 1 and "in use by another ceremony command" in result.output
    ok("phase1", "contribute", str(d))


async def _commit_and_prove(layout: TestnetLayout) -> None:
    nodes = [Node(load_node_config(home)) for home in layout.homes]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(node.run(stop)) for node in nodes]
    try:
        tx = make_transfer(layout, 2)
        await wait_for(lambda: all(len(n.transport.get_peers()) == 3 for n in nodes))
        assert nodes[0].submit_tx(tx).accepted
        await wait_for(lambda: all(n.counters.txs_committed == 1 for n in nodes), 300)
        height = nodes[0].store.get_tx_height(hashlib.sha256(tx).digest())
        assert height is not None
        await wait_for(
            lambda: all(
                n.prover is not None and n.prover.proven_final_height >= height for n in nodes
            ),
            600,
        )
        assert all(n.prover is not None and n.prover.proofs_verified >= 1 for n in nodes)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)


@pytest.mark.slow
def test_a_testnet_on_the_ceremony_keys_commits_proves_and_pins_them(
    done: Path, tmp_path: Path
) -> None:
    """`zkpov testnet --ceremony`'s path: four validators commit and prove a transfer with the
    ceremony's key; the insecure trapdoor for that genesis forges nothing; another key in the
    cache stops a node before it starts, in one line."""
    pk, head = ct.get_final_key(done)
    layout = create_testnet(
        tmp_path / "net", 4, (pk, head), accounts=2, base_port=free_base_port(8), proof_lag=2,
        circuit=(1, 2),
    )  # fmt: skip
    setup = layout.genesis.setup
    assert isinstance(setup, CeremonySetup) and setup.transcript_sha256 == head
    asyncio.run(_commit_and_prove(layout))
    genesis_hash = compute_genesis_hash(layout.genesis)
    cache = tmp_path / "net" / "circuit-keys"
    _, vk = load_circuit_keys(1, 2, cache, genesis_hash, setup)
    state = AccountState(2)
    state.credit(1, ALICE.public_key, 100)
    transfer = sign_transfer(ALICE.secret_key, 1, 2, BOB.public_key, 10, 1)
    insecure_pk, _ = snark.insecure_setup(CONFIG, b"zkpov-devnet" + genesis_hash)
    forged, inputs = snark.prove(insecure_pk, state, [transfer])
    assert not snark.verify(vk, inputs, forged)
    start, _ = get_params(done, 0)  # dave's parameters: a key for the circuit, not the pinned one
    path = get_ceremony_key_path(cache, CONFIG, setup.verifying_key_sha256)
    snark.write_cached_key(path, snark.ProvingKey.from_bytes(CONFIG, start))
    result = CliRunner().invoke(main, ["start", "--home", str(layout.homes[0])])
    assert result.exit_code == 1 and "verifying key" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1
