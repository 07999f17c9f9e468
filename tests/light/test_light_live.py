"""The light client against real nodes (LMDB, real BLS QCs, real Groth16 proofs).

Two nodes run the same one-validator genesis with the same validator key: a test-only
equivocation. Their chains are the same until a transfer reaches only the first; from then on the
same validator has signed two chains, and a light client asking both must report the conflict.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import itertools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from tests.node.rpc.test_live_node import LiveNode, wait_until
from tests.node.test_runtime import free_base_port, make_transfer
from zkpov.chain.state import compute_account_index
from zkpov.cli import main
from zkpov.crypto.bls import generate_secret_key, pop_prove, sk_to_pk
from zkpov.errors import (
    BadAggregateSignatureError,
    BadMerkleProofError,
    ForgedValidatorSetError,
    InsufficientQuorumError,
    NotCommittedError,
    WrongEpochError,
    WrongValidatorSetError,
)
from zkpov.light import parse_checkpoint, query_account, sync_chain
from zkpov.light.fetch import LightRpc
from zkpov.light.trust import build_trusted_set, trust_genesis
from zkpov.light.verify import to_header, to_qc, verify_account, verify_commit
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.rpc.runtime_view import RuntimeView, ViewParts
from zkpov.node.state.genesis import Genesis
from zkpov.spec.validators import compute_validator_set_commitment
from zkpov.types import Round


@dataclasses.dataclass
class Net:
    layout: TestnetLayout
    honest: LiveNode
    twin: LiveNode
    genesis_file: Path
    key_cache: Path
    tx_height: int


def _make_twin(layout: TestnetLayout, net: Path) -> Path:
    """node0's home copied (same validator key, a fresh store) with its own ports."""
    twin = net / "node0-twin"
    shutil.copytree(layout.homes[0], twin)
    config = dataclasses.replace(load_node_config(twin), home=twin)
    port = free_base_port(2)
    write_node_config(dataclasses.replace(
        config, p2p_listen=("127.0.0.1", port), rpc_listen=("127.0.0.1", port + 1), peers=(),
    ))  # fmt: skip
    return twin


def _proven_height(node: LiveNode) -> int:
    return int(node.get("/status")["sync_info"]["proven_final_height"] or 0)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    root = tmp_path_factory.mktemp("light")
    layout = create_testnet(root / "net", 1, accounts=2, base_port=free_base_port(2))
    twin_home = _make_twin(layout, root / "net")
    tx = make_transfer(layout, layout.genesis.circuit_tree_depth)
    with LiveNode(layout.homes[0]) as honest, LiveNode(twin_home) as twin:
        wait_until(lambda: _proven_height(honest) >= 3, "the first proofs")
        sent = requests.post(f"{honest.url}/broadcast_tx", json={"tx": tx.hex()}, timeout=10)
        assert sent.json()["accepted"], sent.text
        start = honest.node.chain.height
        wait_until(lambda: _proven_height(honest) > start + 2, "the transfer to be proven")
        wait_until(lambda: twin.node.chain.height > start + 4, "the twin to pass the transfer")
        genesis_file = layout.homes[0] / "genesis.json"
        tx_height = honest.get("/tx", hash=hashlib.sha256(tx).hexdigest())["height"]
        yield Net(layout, honest, twin, genesis_file, root / "net" / "circuit-keys", tx_height)


def _run(cmd: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["light", *cmd])
    return result.exit_code, result.output


def test_sync_verifies_the_finalized_header_and_the_proofs(net: Net) -> None:
    code, out = _run([
        "sync", "--rpc", net.honest.url, "--genesis", str(net.genesis_file),
        "--key-cache", str(net.key_cache), "--json",
    ])  # fmt: skip
    assert code == 0, out
    report = json.loads(out)
    assert report["finalized_height"] > 0 and report["epoch"] == 0
    assert report["epoch_changes"] == 0  # the node runs one epoch: it serves no endings
    assert report["verified_qcs"] >= 2  # the tip's commit QC and the proven header's
    assert report["verified_proofs"] == 1  # the one block with a transfer; the rest are empty
    assert report["finalized_height"] >= report["proven_height"] >= net.tx_height
    committed = net.honest.node.chain.get_block(report["finalized_height"])
    assert committed is not None and committed.id.hex() == report["block_id"]


def test_finalized_route_serves_the_qc_that_commits_the_header(net: Net) -> None:
    served = net.honest.get("/v1/light/finalized")
    header, qc = served["header"], served["commit_certificate"]
    assert qc["parent_id"] == header["block_id"] and qc["round"] == header["round"] + 1
    assert qc["parent_round"] == header["round"] and served["height"] == header["height"] > 0


def _genesis(net: Net) -> Genesis:
    return net.layout.genesis


def _accounts(net: Net) -> tuple[int, int]:
    depth = _genesis(net).circuit_tree_depth
    funded = compute_account_index(
        read_key_file(net.layout.account_key_files[0], KeyKind.ACCOUNT).public, depth
    )
    taken = {compute_account_index(a.public_key, depth) for a in _genesis(net).accounts}
    return funded, next(i for i in range(1 << depth) if i not in taken)


def test_account_proofs_verify_for_a_funded_and_an_empty_slot(net: Net) -> None:
    funded, empty = _accounts(net)
    _, account = asyncio.run(query_account([net.honest.url], _genesis(net), funded))
    assert account.balance > 0 and account.public_key is not None and account.nonce == 1
    _, none = asyncio.run(query_account([net.honest.url], _genesis(net), empty))
    assert none.public_key is None and none.balance == 0
    code, out = _run([
        "account", "--rpc", net.honest.url, "--genesis", str(net.genesis_file),
        "--index", str(funded), "--json",
    ])  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["balance"] == str(account.balance)


def test_a_flipped_sibling_fails_the_account_proof(net: Net) -> None:
    funded, _ = _accounts(net)
    tip, account = asyncio.run(query_account([net.honest.url], _genesis(net), funded))
    assert account.proof is not None
    depth = _genesis(net).circuit_tree_depth
    verify_account(tip.header.state_root, account, depth)
    rows = [list(row) for row in account.proof.siblings]
    rows[0][0] = rows[0][0][:-1] + bytes([rows[0][0][-1] ^ 1])  # one bit of one sibling
    forged = dataclasses.replace(account.proof, siblings=tuple(tuple(row) for row in rows))
    with pytest.raises(BadMerkleProofError):
        verify_account(tip.header.state_root, dataclasses.replace(account, proof=forged), depth)
    more = dataclasses.replace(account, balance=account.balance + 1)
    with pytest.raises(BadMerkleProofError):
        verify_account(tip.header.state_root, more, depth)


async def _get_finalized(url: str) -> Any:
    rpc = LightRpc(url)
    try:
        return await rpc.get_finalized()
    finally:
        await rpc.close()


def test_a_qc_signed_by_exactly_two_thirds_is_refused(net: Net) -> None:
    served = asyncio.run(_get_finalized(net.honest.url))
    header, qc = to_header(served.header), to_qc(served.commit_certificate)
    trusted = trust_genesis(_genesis(net))
    verify_commit(trusted, header, qc)  # the real QC, from the real set: accepted
    stake = trusted.stakes[0]
    other = bytes.fromhex(net.honest.get("/status")["validator_info"]["pubkey"])
    assert other == trusted.pubkeys[0]
    extra = sk_to_pk(generate_secret_key())  # a second validator, holding the other third
    two_thirds = build_trusted_set(0, (other, extra), (stake, stake // 2), _genesis(net).consensus)
    assert stake * 3 == 2 * two_thirds.total_stake
    with pytest.raises(InsufficientQuorumError, match="exactly 2/3"):
        verify_commit(two_thirds, header, qc)
    with pytest.raises(NotCommittedError):
        verify_commit(trusted, dataclasses.replace(header, round=Round(header.round + 1)), qc)


def test_a_forged_signature_or_another_epoch_is_refused(net: Net) -> None:
    served = asyncio.run(_get_finalized(net.honest.url))
    header, qc = to_header(served.header), to_qc(served.commit_certificate)
    trusted = trust_genesis(_genesis(net))
    flipped = qc.signature[:-1] + bytes([qc.signature[-1] ^ 1])
    with pytest.raises(BadAggregateSignatureError):
        verify_commit(trusted, header, dataclasses.replace(qc, signature=flipped))
    with pytest.raises(BadAggregateSignatureError, match="bitfield"):
        verify_commit(trusted, header, dataclasses.replace(qc, signers=b"\x03"))
    with pytest.raises(WrongEpochError):
        verify_commit(dataclasses.replace(trusted, epoch=1), header, qc)


def test_a_header_of_another_set_is_refused(net: Net) -> None:
    """The served header commits to the node's set (keys and stakes): a trusted set with the
    same key but another stake, whose quorum the real QC meets, refuses it."""
    served = asyncio.run(_get_finalized(net.honest.url))
    header, qc = to_header(served.header), to_qc(served.commit_certificate)
    assert served.header.timestamp_ms > 0 and served.header.next_validator_set_commitment == b""
    trusted = trust_genesis(_genesis(net))
    assert header.validator_set_commitment == trusted.commitment
    restaked = build_trusted_set(
        0, trusted.pubkeys, tuple(s + 1 for s in trusted.stakes), _genesis(net).consensus
    )
    with pytest.raises(WrongValidatorSetError, match="another validator set"):
        verify_commit(restaked, header, qc)
    with pytest.raises(WrongValidatorSetError, match="next set"):
        forged = dataclasses.replace(header, next_validator_set_commitment=bytes(32))
        verify_commit(
            trusted,
            forged,
            dataclasses.replace(
                qc, vote_data=dataclasses.replace(qc.vote_data, parent_id=forged.id)
            ),
        )


def test_a_checkpoint_is_checked_against_the_served_set(net: Net) -> None:
    genesis = _genesis(net)
    keys = tuple(v.bls_public_key for v in genesis.validators)
    commitment = compute_validator_set_commitment(
        0, keys, tuple(v.stake for v in genesis.validators)
    )
    block_id = net.honest.get("/v1/light/finalized")["block_id"]
    good = parse_checkpoint(f"0:{commitment.hex()}:{block_id}")
    report = asyncio.run(sync_chain([net.honest.url], genesis, good, 0))
    assert report.finalized.header.height > 0
    forged = dataclasses.replace(good, validator_set_commitment=bytes(32))
    with pytest.raises(ForgedValidatorSetError):
        asyncio.run(sync_chain([net.honest.url], genesis, forged, 0))


def test_a_stale_checkpoint_or_a_long_trusting_period_is_refused(net: Net) -> None:
    block_id = net.honest.get("/v1/light/finalized")["block_id"]
    commitment = net.honest.get("/v1/light/bootstrap")["validator_set_commitment"]
    unbonding = _genesis(net).consensus.unbonding_epochs
    code, out = _run([
        "sync", "--rpc", net.honest.url, "--genesis", str(net.genesis_file), "--no-proofs",
        "--checkpoint", f"0:{commitment}:{block_id}", "--trusting-period", str(unbonding),
    ])  # fmt: skip
    assert code == 1 and "trusting period must be shorter than the unbonding period" in out
    assert len(out.strip().splitlines()) == 1


def test_conflicting_witnesses_are_reported_as_evidence(net: Net) -> None:
    code, out = _run([
        "sync", "--rpc", net.honest.url, "--rpc", net.twin.url,
        "--genesis", str(net.genesis_file), "--no-proofs", "--json",
    ])  # fmt: skip
    assert code == 3, out
    conflicts = json.loads(out)["conflicts"]
    assert len(conflicts) == 1
    first, second = conflicts[0]["evidence"]
    assert first["header"]["height"] == second["header"]["height"] == conflicts[0]["height"]
    assert first["header"]["block_id"] != second["header"]["block_id"]
    assert {first["rpc"], second["rpc"]} == {net.honest.url, net.twin.url}


def test_bootstrap_and_updates_serve_the_static_set(net: Net) -> None:
    genesis = _genesis(net)
    keys = tuple(v.bls_public_key for v in genesis.validators)
    stakes = tuple(v.stake for v in genesis.validators)
    served = net.honest.get("/v1/light/bootstrap", epoch="0")
    assert served["validator_set_commitment"] == (
        compute_validator_set_commitment(0, keys, stakes).hex()
    )
    assert [v["pubkey"] for v in served["validators"]] == [k.hex() for k in keys]
    assert (
        net.honest.get("/light/finalized")["validator_set_commitment"]
        == (served["validator_set_commitment"])
    )
    assert net.honest.get("/v1/light/updates", from_epoch="0")["updates"] == []
    later = requests.get(f"{net.honest.url}/v1/light/updates?from_epoch=1", timeout=10)
    assert later.status_code == 404 and "above the current epoch 0" in later.text
    proofs = net.honest.get("/v1/light/proofs", **{"from": "1", "to": "1000"})["proofs"]
    assert [p["height"] for p in proofs] == [p for p in [net.tx_height] if p <= 16]


def test_the_cli_refuses_a_qc_of_exactly_two_thirds_naming_the_witness(
    net: Net, tmp_path: Path
) -> None:
    """A genesis naming a second validator with half the first one's stake: the node's real
    QCs, signed by the first alone, then carry exactly 2/3 of the stake."""
    doc = json.loads(net.genesis_file.read_text())
    sk = generate_secret_key()
    doc["validators"].append({
        "name": "absent", "bls_public_key": sk_to_pk(sk).hex(),
        "proof_of_possession": pop_prove(sk).hex(), "stake": doc["validators"][0]["stake"] // 2,
    })  # fmt: skip
    forged = tmp_path / "genesis.json"
    forged.write_text(json.dumps(doc))
    code, out = _run(["sync", "--rpc", net.honest.url, "--genesis", str(forged), "--no-proofs"])
    assert code == 1 and len(out.strip().splitlines()) == 1, out
    assert f"{net.honest.url}: the QC's signers hold" in out and "(exactly 2/3)" in out


def test_headers_route_serves_linked_committed_headers(net: Net) -> None:
    held = net.honest.node.chain.height
    served = net.honest.get("/v1/light/headers", **{"from": "1", "to": "1000"})["headers"]
    assert [h["height"] for h in served] == list(range(1, len(served) + 1))
    assert min(held, 64) <= len(served) <= 64
    assert all(b["parent_id"] == a["block_id"] for a, b in itertools.pairwise(served))
    tip = net.honest.node.chain.height
    above = net.honest.get("/v1/light/headers", **{"from": str(tip), "to": str(tip + 5)})
    heights = [h["height"] for h in above["headers"]]  # the node keeps committing meanwhile
    assert heights == list(range(tip, tip + len(heights)))
    assert heights and heights[-1] <= net.honest.node.chain.height  # nothing uncommitted


def test_without_the_commit_qc_in_memory_the_pair_comes_from_committed_blocks(net: Net) -> None:
    """As after a restart (the commit QC is kept in memory only): the view finds the highest
    committed block whose child QC is one round later, and that pair still verifies. (The node
    keeps committing meanwhile; whichever pair it serves must verify.)"""
    node = net.twin.node
    view = RuntimeView(ViewParts(
        node.genesis, node.start, node.index, node.chain, node.driver, node.transport,
        node.config.p2p_listen, node.gossip, node.prover, node.events,
    ))  # fmt: skip
    node.chain.commit_qc = None
    record = view.get_finalized()
    assert record.header.height >= node.chain.height - 3
    verify_commit(trust_genesis(_genesis(net)), record.header, record.commit_certificate)
