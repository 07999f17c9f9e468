"""The light client and the EVM relay against a live multi-epoch devnet: ``zkpov devnet`` (four
validator processes, proofs on) with epochs of ``EPOCH_LENGTH`` blocks, validator 1 double
voting (slashed, it leaves the set at epoch 1) and every third op of the load a delegate, so
staking ops sit in proven blocks. Nothing here is faked: what the light client and the contract
accept is what the running nodes serve; what they refuse is one served value altered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from aiohttp import ClientSession, web
from click.testing import CliRunner

from tests.node.rpc.test_live_node import wait_until
from tests.node.test_runtime import free_base_port
from zkpov.chain.state import compute_account_index
from zkpov.cli import main
from zkpov.client import ZkpovClient
from zkpov.crypto import snark
from zkpov.errors import (
    BadMerkleProofError,
    BadValidityProofError,
    ForgedValidatorSetError,
    StaleCheckpointError,
)
from zkpov.evm.relay import get_committed
from zkpov.light import load_verifying_key, parse_checkpoint, query_account, sync_chain
from zkpov.light.epochs import EpochTrust, follow_epoch_updates
from zkpov.light.fetch import LightRpc
from zkpov.light.trust import trust_genesis
from zkpov.light.verify import check_header_chain, to_header, verify_account, verify_transitions
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.state.bootstrap import build_chain_start
from zkpov.node.state.genesis import Genesis, read_genesis
from zkpov.types import Stake

pytestmark = pytest.mark.slow
T = TypeVar("T")
EPOCH_LENGTH = 6
DELEGATE = "0102"  # an op's first two bytes: format version 1, op code DELEGATE
# The devnet of this module, as the README's "Verify zkpov from elsewhere" runs it, at the
# default proof lag (blocks carry proofs up to 8 heights behind; before the epoch checker's
# suffix fix, f1e4b8c, that stalled the chain at its second epoch end in one run of three).
# It runs until stopped (400 blocks could pass before the tests end).
DEVNET = ["devnet", "--epoch-length", str(EPOCH_LENGTH), "--byzantine", "double_vote=1",
          "--stake-every", "3", "--blocks", "100000", "--timeout", "1800", "--json"]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Devnet:
    root: Path
    genesis: Genesis
    genesis_file: Path
    urls: tuple[str, ...]

    @property
    def key_cache(self) -> Path:
        return self.root / "circuit-keys"


def _get_status(url: str) -> dict[str, Any] | None:
    try:
        return dict(requests.get(f"{url}/status", timeout=5).json())
    except (requests.RequestException, ValueError):
        return None


def _is_ready(url: str) -> bool:
    """In epoch 4, with proofs up to its start (the light client anchors them on a header with
    a commit QC of its own epoch: not an epoch's last two blocks)."""
    status = _get_status(url)
    if status is None:
        return False
    proven = status["sync_info"]["proven_final_height"] or 0
    return int(status["epoch"]) >= 4 and proven >= 4 * EPOCH_LENGTH


def _get_urls(root: Path) -> tuple[str, ...]:
    homes = [root / f"node{i}" for i in range(4)]
    return tuple("http://{}:{}".format(*load_node_config(h).rpc_listen) for h in homes)


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    root = tmp_path_factory.mktemp("light-devnet") / "devnet"
    cmd = [sys.executable, "-m", "zkpov", *DEVNET, "--dir", str(root),
           "--base-port", str(free_base_port(8))]  # fmt: skip
    log = (root.parent / "devnet.out").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: (root / "node3" / "node.log").exists(), "the devnet's homes", 180)
        urls = _get_urls(root)
        wait_until(lambda: _is_ready(urls[0]), "four epoch changes and their proofs", 600)
        genesis_file = root / "node0" / "genesis.json"
        yield Devnet(root, read_genesis(genesis_file), genesis_file, urls)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
        log.close()


def _run(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output.strip().splitlines()[-1]))


def _get_block(devnet: Devnet, height: int) -> dict[str, Any]:
    answer = requests.get(f"{devnet.urls[0]}/block", params={"height": height}, timeout=10)
    return dict(answer.json())


def _has_delegate(devnet: Devnet, height: int) -> bool:
    return any(tx.startswith(DELEGATE) for tx in _get_block(devnet, height)["txs"])


def _with_rpc(url: str, call: Callable[[LightRpc], Awaitable[T]]) -> T:
    async def run() -> T:
        rpc = LightRpc(url)
        try:
            return await call(rpc)
        finally:
            await rpc.close()

    return asyncio.run(run())


def test_light_sync_verifies_every_epoch_change_and_the_proofs(devnet: Devnet) -> None:
    report = _run(
        "light", "sync", "--rpc", devnet.urls[0], "--rpc", devnet.urls[2],
        "--genesis", str(devnet.genesis_file), "--key-cache", str(devnet.key_cache), "--json",
    )  # fmt: skip
    assert report["conflicts"] == [] and report["witnesses"] == 2
    assert report["epoch_changes"] == report["epoch"] >= 4  # every change since genesis
    assert report["verified_qcs"] >= report["epoch_changes"] + 2  # and each witness's tip
    assert report["finalized_height"] >= report["proven_height"] >= 3 * EPOCH_LENGTH
    assert report["verified_proofs"] >= 3  # blocks with transfers or delegates
    held = _get_block(devnet, report["finalized_height"])
    assert held["block_id"] == report["block_id"]
    updates = _with_rpc(devnet.urls[0], lambda rpc: rpc.get_epoch_updates(0)).updates
    assert len(devnet.genesis.validators) == 4 and len(updates[0].next_pubkeys) == 3  # 1 left


def _find_slots(devnet: Devnet) -> tuple[int, int]:
    """A funded account's index and an empty slot's."""
    depth = devnet.genesis.circuit_tree_depth
    key = read_key_file(devnet.root / "accounts" / "account0.json", KeyKind.ACCOUNT)
    taken = {compute_account_index(a.public_key, depth) for a in devnet.genesis.accounts}
    empty = next(i for i in range(1 << depth) if i not in taken)
    return compute_account_index(key.public, depth), empty


def test_account_proofs_verify_for_a_funded_and_an_empty_slot(devnet: Devnet) -> None:
    funded, empty = _find_slots(devnet)
    witnesses = ("--rpc", devnet.urls[1], "--rpc", devnet.urls[3])
    found = _run("light", "account", *witnesses, "--genesis", str(devnet.genesis_file),
                 "--index", str(funded), "--json")  # fmt: skip
    assert found["proof_verified"] and int(found["balance"]) > 0 and found["nonce"] >= 1
    none = _run("light", "account", *witnesses, "--genesis", str(devnet.genesis_file),
                "--index", str(empty), "--json")  # fmt: skip
    assert none["proof_verified"] and none["public_key"] is None and none["balance"] == "0"


def test_a_flipped_sibling_of_a_served_account_proof_fails(devnet: Devnet) -> None:
    funded, _ = _find_slots(devnet)
    tip, account = asyncio.run(query_account(devnet.urls[:1], devnet.genesis, funded))
    assert account.proof is not None
    depth = devnet.genesis.circuit_tree_depth
    rows = [list(row) for row in account.proof.siblings]
    last = len(rows) - 1  # the sibling next to the root
    rows[last][0] = rows[last][0][:-1] + bytes([rows[last][0][-1] ^ 1])
    forged = dataclasses.replace(account.proof, siblings=tuple(tuple(r) for r in rows))
    with pytest.raises(BadMerkleProofError, match="does not open the state root"):
        verify_account(tip.header.state_root, dataclasses.replace(account, proof=forged), depth)


def test_a_forged_next_set_or_a_stale_checkpoint_is_refused(devnet: Devnet) -> None:
    updates = _with_rpc(devnet.urls[0], lambda rpc: rpc.get_epoch_updates(0)).updates
    start = EpochTrust(trust_genesis(devnet.genesis), 0)
    followed = follow_epoch_updates(start, updates[:2], devnet.genesis.consensus)
    assert [t.trusted.epoch for t in followed] == [1, 2]
    stakes = tuple(Stake(s + 1) for s in updates[0].next_stakes)
    forged = dataclasses.replace(updates[0], next_stakes=stakes)
    with pytest.raises(ForgedValidatorSetError, match="does not hash to the commitment"):
        follow_epoch_updates(start, [forged], devnet.genesis.consensus)
    block_id = build_chain_start(devnet.genesis).block.header.id.hex()
    point = parse_checkpoint(f"0:{start.trusted.commitment.hex()}:{block_id}")
    with pytest.raises(StaleCheckpointError, match="epochs old"):
        asyncio.run(sync_chain(devnet.urls[:1], devnet.genesis, point, 0))  # unbonding: 1


async def _get_proven(rpc: LightRpc, last: int) -> tuple[list[Any], dict[int, Any]]:
    """The committed headers 1..last and the proofs (with public inputs) of those heights."""
    headers = [h for first in range(1, last + 1, 64)
               for h in await rpc.get_headers(first, min(first + 63, last))]  # fmt: skip
    proofs: dict[int, Any] = {}
    for first in range(1, last + 1, 16):
        found = await rpc.get_proofs(first, min(first + 15, last))
        proofs.update((p.height, p) for p in found.proofs)
    return headers, proofs


def _get_circuit(genesis: Genesis) -> tuple[int, int]:
    return genesis.circuit_batch_size, genesis.circuit_tree_depth


def test_a_proof_only_check_accepts_every_proven_state_root(devnet: Devnet) -> None:
    """With the verifying key, the public inputs and the committed headers only."""
    last = 3 * EPOCH_LENGTH
    served, proofs = _with_rpc(devnet.urls[0], lambda rpc: _get_proven(rpc, last))
    headers = [build_chain_start(devnet.genesis).block.header, *map(to_header, served)]
    check_header_chain(headers)
    vk = load_verifying_key(devnet.genesis, devnet.key_cache)
    circuit = snark.CircuitConfig(*_get_circuit(devnet.genesis)).circuit_id
    assert verify_transitions(vk, circuit, headers, proofs) == len(proofs)
    changed = [b.height for a, b in itertools.pairwise(headers) if a.state_root != b.state_root]
    assert changed and set(changed) <= set(proofs)  # every new state root is proven
    assert any(_has_delegate(devnet, h) for h in proofs), "no proven block holds a staking op"


def _tamper(doc: dict[str, Any], height: int) -> None:
    """The operation commitment (the third public input) of ``height``'s proof, plus one."""
    for proof in doc["proofs"]:
        if proof["height"] == height:
            commitment = int(proof["public_inputs"][2], 16) + 1
            proof["public_inputs"][2] = commitment.to_bytes(32, "big").hex()


async def _through_proxy(
    upstream: str, height: int | None, run: Callable[[str], Awaitable[T]]
) -> T:
    """``run`` against a proxy of ``upstream`` that alters one proof's commitment (if a height)."""
    async with ClientSession() as session:

        async def forward(request: web.Request) -> web.Response:
            async with session.get(upstream + request.path_qs) as answer:
                status, body = answer.status, await answer.read()
            if request.path == "/v1/light/proofs" and status == 200 and height is not None:
                doc = json.loads(body)
                _tamper(doc, height)
                body = json.dumps(doc).encode()
            return web.Response(body=body, status=status, content_type="application/json")

        app = web.Application()
        app.router.add_get("/{tail:.*}", forward)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_base_port(1)
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            return await run(f"http://127.0.0.1:{port}")
        finally:
            await runner.cleanup()


def test_an_altered_operation_commitment_is_refused(devnet: Devnet) -> None:
    """A witness serving a staking block's proof with its operation commitment altered: the
    light client's proof check refuses it (through the same proxy, unaltered, it passes)."""
    vk = load_verifying_key(devnet.genesis, devnet.key_cache)
    last = 3 * EPOCH_LENGTH
    staking = next(h for h in range(1, last + 1) if _has_delegate(devnet, h))

    def sync(url: str) -> Awaitable[Any]:
        return sync_chain([url], devnet.genesis, vk=vk)

    report = asyncio.run(_through_proxy(devnet.urls[0], None, sync))
    assert report.proven_height is not None and report.proven_height >= staking
    with pytest.raises(BadValidityProofError, match="Groth16 proof"):
        asyncio.run(_through_proxy(devnet.urls[0], staking, sync))


def test_the_relay_makes_the_contract_follow_two_epoch_changes(devnet: Devnet) -> None:
    """``zkpov evm relay`` of a header in epoch 2: the contract adopts epochs 1 and 2 from the
    node's endings, then proves that header's state root final."""
    pytest.importorskip("vyper")
    height = next(h for h in range(2 * EPOCH_LENGTH + 1, 3 * EPOCH_LENGTH)
                  if requests.get(f"{devnet.urls[0]}/commit", params={"height": h},
                                  timeout=10).json()["commit_certificate"] is not None)  # fmt: skip
    out = _run("evm", "relay", "--rpc", devnet.urls[0], "--genesis", str(devnet.genesis_file),
               "--height", str(height))  # fmt: skip
    assert [c["epoch"] for c in out["epoch_changes"]] == [1, 2] and out["epoch"] == 2
    assert [c["height"] for c in out["epoch_changes"]] == [EPOCH_LENGTH, 2 * EPOCH_LENGTH]
    assert out["height"] == height
    assert out["state_root"] == _get_block(devnet, height)["header"]["state_root"]
    assert all(0 < c["execution_gas"] < 1_000_000 for c in out["epoch_changes"])


def test_the_relay_takes_the_latest_header_with_its_committing_qc(devnet: Devnet) -> None:
    """``/commit`` cannot serve the tip's committing QC (its child is not committed yet): the
    relay's latest header comes from ``/light/finalized``, which serves it."""
    with ZkpovClient(devnet.urls[0]) as client:
        header, qc = get_committed(client)
        assert client.commit().commit_certificate is None
    assert qc.vote_data.parent_id == header.id and qc.vote_data.round == header.round + 1
    assert header.height >= 3 * EPOCH_LENGTH
