"""DaskProver on a real LocalCluster (127.0.0.1, port 0, no dashboard, two single-threaded
worker processes): it listens on loopback only, proves two batches at once, and finishes a job
whose worker is killed mid-proof on another worker. Batch 2, depth 8: proofs take about a second."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest
from distributed import Client, LocalCluster

from zkpov.chain.operations import compute_operations_commitment, sign_delegate
from zkpov.chain.state import AccountState, Transfer, sign_transfer
from zkpov.crypto import schnorr, snark
from zkpov.errors import MissingProvingKeyError, ProverUnavailableError
from zkpov.node.proving.dask_prover import DaskProver
from zkpov.node.proving.dask_worker import KeyDirectory, ProverKeysPlugin, prove_job
from zkpov.node.proving.proof_job import ProofJob
from zkpov.node.proving.prover import OwedBatch, ProofTracker
from zkpov.spec.codec.payload import encode_payload
from zkpov.spec.payload import ProofAnnouncement, compute_root_bytes

CONFIG = snark.CircuitConfig(batch_size=2, tree_depth=8)
ALICE, BOB = schnorr.generate_keypair(), schnorr.generate_keypair()


@dataclass
class Cluster:
    cluster: LocalCluster
    client: Client
    keys_dir: Path
    pk: snark.ProvingKey
    vk: snark.VerifyingKey

    @property
    def address(self) -> str:
        return str(self.cluster.scheduler_address)


@pytest.fixture(scope="module")
def dask(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    keys_dir = tmp_path_factory.mktemp("circuit-keys")
    pk, vk = snark.load_or_create_insecure_keys(CONFIG, keys_dir, b"dask-test")
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0,
        dashboard_address=None, worker_dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # its HTTP server: else :8787
    )  # fmt: skip
    client = Client(cluster, set_as_default=False)
    client.register_plugin(ProverKeysPlugin(str(keys_dir)))
    yield Cluster(cluster, client, keys_dir, pk, vk)
    client.close()
    cluster.close()


def pay_bob(nonce: int) -> Transfer:
    return sign_transfer(ALICE.secret_key, 1, 9 + nonce, BOB.public_key, 5, nonce)


def batches() -> list[tuple[AccountState, list[Transfer]]]:
    """Two consecutive batches of two transfers: (state before, transfers)."""
    state = AccountState(CONFIG.tree_depth)
    state.credit(1, ALICE.public_key, 1000)
    out = []
    for nonce in (1, 3):
        pay = [pay_bob(n) for n in (nonce, nonce + 1)]
        out.append((state.copy(), pay))
        state.apply_transfers(pay)
    return out


Samples = list[dict[str, list[str]]]


def make_chain(items: list[tuple[AccountState, list[Transfer]]]) -> dict[int, SimpleNamespace]:
    """Committed blocks 0..n whose state roots and payloads match ``items``."""
    chain = {0: SimpleNamespace(payload=b"", state_root=compute_root_bytes(items[0][0].root))}
    for height, (pre, transfers) in enumerate(items, start=1):
        post = pre.copy()
        post.apply_transfers(transfers)
        payload = encode_payload([t.to_bytes() for t in transfers])
        chain[height] = SimpleNamespace(payload=payload, state_root=compute_root_bytes(post.root))
    return chain


def watch(client: Client, until: threading.Event) -> Samples:
    """Samples which worker processes which task every 10 ms, in a thread, until ``until``."""
    samples: Samples = []

    def run() -> None:
        while not until.is_set():
            samples.append({w: list(keys) for w, keys in client.processing().items() if keys})
            time.sleep(0.01)

    threading.Thread(target=run, daemon=True).start()
    return samples


def get_listening(pids: list[int]) -> list[str]:
    conns = [c for pid in pids for c in psutil.Process(pid).net_connections("inet")]
    return [c.laddr.ip for c in conns if c.status == psutil.CONN_LISTEN]


def test_the_cluster_listens_on_loopback_only(dask: Cluster) -> None:
    me = psutil.Process()
    pids = [me.pid, *(p.pid for p in me.children(recursive=True))]
    addresses = get_listening(pids)
    assert len(addresses) >= 3, "the scheduler and two workers listen"
    loopback = ipaddress.ip_network("127.0.0.0/8")
    assert all(ipaddress.ip_address(a) in loopback for a in addresses), addresses


def run_tracker(dask: Cluster, heights: list[int]) -> tuple[ProofTracker, list[int], Samples]:
    items = batches()
    chain, published = make_chain(items), []
    backend = DaskProver(dask.address)
    tracker = ProofTracker(
        dask.pk, dask.vk, chain.get, lambda a: published.append(a.height), lambda h: None,  # type: ignore[arg-type]
        backend=backend,
    )  # fmt: skip
    for height, (pre, transfers) in enumerate(items, start=1):
        tracker.owe(height, OwedBatch(pre, transfers, proposer=0, committed_at=0.0))
    assert tracker.get_due(0.0, index=0, size=4) == heights, "both batches are due at once"
    done = threading.Event()
    samples = watch(dask.client, done)

    async def prove_all() -> None:
        await asyncio.gather(*(tracker.prove(h) for h in heights))

    try:
        asyncio.run(prove_all())
    finally:
        done.set()
        backend.close()
    return tracker, published, samples


def test_two_batches_are_proven_at_once_and_verified(dask: Cluster) -> None:
    tracker, published, samples = run_tracker(dask, [1, 2])
    assert sorted(tracker.proofs) == [1, 2] and sorted(published) == [1, 2]
    assert tracker.proven_final_height == 2
    assert max(len(s) for s in samples) == 2, "two workers proved at the same time"


def get_pids(client: Client) -> dict[str, int]:
    return client.run(os.getpid)  # type: ignore[no-any-return]


def kill_when_busy(client: Client, holders: list[str], stop: threading.Event) -> Callable[[], None]:
    """A thread body: SIGKILLs the first worker seen proving, then records who holds the job."""

    def run() -> None:
        pids, killed = get_pids(client), False
        while not stop.is_set():
            for worker, keys in client.processing().items():
                if keys and (not holders or holders[-1] != worker):
                    holders.append(worker)
                if keys and not killed:
                    os.kill(pids[worker], signal.SIGKILL)
                    killed = True
            time.sleep(0.01)

    return run


def test_a_worker_killed_mid_job_has_its_job_finished_on_another(dask: Cluster) -> None:
    (pre, transfers), _ = batches()
    backend, holders, stop = DaskProver(dask.address), [], threading.Event()
    threading.Thread(target=kill_when_busy(dask.client, holders, stop), daemon=True).start()
    try:
        proof = asyncio.run(backend.prove(dask.pk, pre, transfers))
    finally:
        stop.set()
        backend.close()
    _, inputs = snark.prove(dask.pk, pre, transfers)
    assert snark.verify(dask.vk, inputs, proof)
    assert len(holders) >= 2 and holders[0] != holders[-1], holders


def test_a_backend_proof_that_does_not_verify_is_neither_recorded_nor_published(
    dask: Cluster,
) -> None:
    items = batches()
    wrong = snark.prove(dask.pk, items[1][0], items[1][1])[0]  # height 2's proof, for height 1

    class LyingBackend:
        max_concurrent = 1

        async def prove(self, *args: object) -> bytes:
            return wrong

        def close(self) -> None:
            pass

    chain, published = make_chain(items), []
    tracker = ProofTracker(
        dask.pk, dask.vk, chain.get, lambda a: published.append(a), lambda h: None,  # type: ignore[arg-type]
        backend=LyingBackend(),
    )  # fmt: skip
    tracker.owe(1, OwedBatch(items[0][0], items[0][1], proposer=0, committed_at=0.0))
    asyncio.run(tracker.prove(1))
    assert published == [] and 1 not in tracker.proofs and 1 in tracker.owed
    tracker.on_announcement(ProofAnnouncement(1, b"\x01" * 7))  # undecodable: refused, no raise
    assert 1 not in tracker.proofs


def test_an_unreachable_scheduler_leaves_the_batch_owed_for_the_next_try(dask: Cluster) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    items = batches()
    backend = DaskProver(f"tcp://127.0.0.1:{port}", connect_timeout=1.0)
    chain = make_chain(items)
    tracker = ProofTracker(
        dask.pk, dask.vk, chain.get, lambda a: None, lambda h: None,  # type: ignore[arg-type]
        backend=backend,
    )  # fmt: skip
    tracker.owe(1, OwedBatch(items[0][0], items[0][1], proposer=0, committed_at=0.0))
    try:
        with pytest.raises(ProverUnavailableError, match=f"127.0.0.1:{port}"):
            asyncio.run(backend.prove(dask.pk, *items[0]))
        asyncio.run(tracker.prove(1))  # logs the failure, raises nothing
    finally:
        backend.close()
    assert 1 in tracker.owed and not tracker.proving
    assert tracker.get_due(0.0, index=0, size=4) == [1], "due again at the next tick"


def test_a_worker_refuses_a_job_whose_key_it_lacks(dask: Cluster) -> None:
    pre, transfers = batches()[0]
    job = ProofJob(
        CONFIG.circuit_id, CONFIG.batch_size, CONFIG.tree_depth, bytes(32),
        snark.extract_witness(pre, transfers), tuple(t.to_bytes() for t in transfers),
    )  # fmt: skip
    future = dask.client.submit(prove_job, job.to_bytes(), pure=False, retries=1)
    with pytest.raises(MissingProvingKeyError, match="no proving key with SHA-256 0000"):
        future.result(timeout=120)


def test_keys_load_once_by_hash_and_a_missing_key_is_refused(dask: Cluster, tmp_path: Path) -> None:
    keys = KeyDirectory(dask.keys_dir)
    digest = snark.read_cache_hash(next(dask.keys_dir.glob("*.pk")))
    assert digest is not None
    assert keys.get_key(CONFIG, digest) is keys.get_key(CONFIG, digest)
    with pytest.raises(MissingProvingKeyError, match="no proving key with SHA-256"):
        keys.get_key(CONFIG, bytes(32))
    with pytest.raises(MissingProvingKeyError, match="no proving key"):
        KeyDirectory(tmp_path).get_key(CONFIG, digest)


def test_a_batch_with_staking_ops_is_proven_in_process_without_the_cluster() -> None:
    """The witness format covers transfers only: such a batch never reaches the scheduler (none
    listens at this address), and its proof verifies against the operations' commitment."""
    config = snark.CircuitConfig(batch_size=2, tree_depth=4)
    pk, vk = snark.insecure_setup(config, b"dask-ops")
    state = AccountState(4)
    state.credit(1, ALICE.public_key, 100)
    ops = [
        sign_delegate(ALICE.secret_key, 1, 0, 10, 1, fee=1),
        sign_transfer(ALICE.secret_key, 1, 2, BOB.public_key, 5, 2),
    ]
    prover = DaskProver("tcp://127.0.0.1:9", connect_timeout=1.0)  # discard: nothing listens
    proof = asyncio.run(prover.prove(pk, state, ops))
    after = state.copy()
    after.apply_operations(ops)
    inputs = (state.root, after.root, compute_operations_commitment(ops))
    assert snark.verify(vk, inputs, proof)
    assert prover._client is None  # never connected
