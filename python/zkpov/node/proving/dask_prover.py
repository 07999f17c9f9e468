"""Proving on a Dask cluster (``prover = "dask://HOST:PORT"`` in a node's config.toml).

Native objects do not pickle, so a job is bytes (:class:`~zkpov.node.proving.proof_job.ProofJob`):
the circuit, the proving key's SHA-256 (each worker loads its keys from its own key cache, see
:mod:`~zkpov.node.proving.dask_worker`), the batch's witness (touched accounts and their paths,
:func:`~zkpov.crypto.snark.extract_witness`, never the whole state) and the encoded transfers.

- **Trust.** The cluster is trusted to run code (Dask moves tasks and results with pickle: bind
  its scheduler and workers to a private network only), never for correctness: the proof tracker
  verifies every returned proof before it records or announces it.
- **Failures.** A worker that dies mid-job has its job rescheduled on another by the scheduler;
  a job that raises (a worker without the key) is retried ``JOB_RETRIES`` times. A job still
  unanswered after ``job_timeout`` seconds, or an unreachable scheduler, is a
  ``ProverUnavailableError``; the batch stays owed and the tracker's rescue path proves it later.
- **Parallelism.** Up to ``max_concurrent`` jobs are in flight (the tracker proves that many
  batches at once); the scheduler queues what its workers cannot take yet.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from distributed import Client

from zkpov.chain.operations import Operation
from zkpov.chain.state import AccountState, Transfer
from zkpov.crypto import snark
from zkpov.errors import ProverUnavailableError, ZkpovError
from zkpov.node.proving.dask_worker import prove_job
from zkpov.node.proving.proof_job import ProofJob

__all__ = ["DASK_CONCURRENT_PROOFS", "JOB_RETRIES", "JOB_TIMEOUT_SECONDS", "DaskProver"]

DASK_CONCURRENT_PROOFS = 8
JOB_RETRIES = 2
JOB_TIMEOUT_SECONDS = 600.0
CONNECT_TIMEOUT_SECONDS = 10.0


class DaskProver:
    """A :class:`~zkpov.node.proving.prover.ProverBackend` that sends each batch to a Dask
    scheduler at ``address`` (``tcp://HOST:PORT``); connects at the first proof."""

    def __init__(
        self,
        address: str,
        max_concurrent: int = DASK_CONCURRENT_PROOFS,
        job_timeout: float = JOB_TIMEOUT_SECONDS,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    ) -> None:
        self.address, self.max_concurrent, self.job_timeout = address, max_concurrent, job_timeout
        self.connect_timeout = connect_timeout
        self._pool = ThreadPoolExecutor(max_concurrent, thread_name_prefix="zkpov-dask")
        self._client: Client | None = None
        self._key_hashes: dict[bytes, bytes] = {}  # by verifying key
        self._lock = threading.Lock()

    async def prove(
        self, pk: snark.ProvingKey, pre_state: AccountState, transfers: Sequence[Operation]
    ) -> bytes:
        """Proves on the cluster; a batch with staking ops or payouts here, in this process
        (the witness format covers transfers only)."""
        loop = asyncio.get_running_loop()
        if not all(isinstance(t, Transfer) for t in transfers):
            job = functools.partial(snark.prove, pk, pre_state, list(transfers))
            return (await loop.run_in_executor(self._pool, job))[0]
        witness = snark.extract_witness(pre_state, transfers)
        encoded = tuple(t.to_bytes() for t in transfers)
        return await loop.run_in_executor(self._pool, self._run, pk, witness, encoded)

    def _run(self, pk: snark.ProvingKey, witness: bytes, transfers: tuple[bytes, ...]) -> bytes:
        config = pk.config
        job = ProofJob(
            config.circuit_id, config.batch_size, config.tree_depth, self._get_key_hash(pk),
            witness, transfers,
        )  # fmt: skip
        try:
            return check_proof(self._submit(job.to_bytes()))
        except ZkpovError:
            raise
        except Exception as err:  # Dask fails in many types: comm, timeout, lost, cancelled
            raise ProverUnavailableError(f"dask prover {self.address}: {err!r}") from err

    def _submit(self, job: bytes) -> object:
        future = self._connect().submit(prove_job, job, pure=False, retries=JOB_RETRIES)
        try:
            return future.result(timeout=self.job_timeout)
        finally:
            future.release()  # type: ignore[no-untyped-call]

    def _connect(self) -> Client:
        with self._lock:
            if self._client is None:
                self._client = Client(  # type: ignore[no-untyped-call]
                    self.address, timeout=self.connect_timeout, set_as_default=False
                )
            return self._client

    def _get_key_hash(self, pk: snark.ProvingKey) -> bytes:
        """The SHA-256 of the key's cache bytes (what a worker's key cache file records)."""
        vk = pk.verifying_key.to_bytes()
        with self._lock:
            if vk not in self._key_hashes:
                self._key_hashes[vk] = hashlib.sha256(pk.to_bytes()).digest()
            return self._key_hashes[vk]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()  # type: ignore[no-untyped-call]


def check_proof(answer: object) -> bytes:
    """The answer if it is proof-sized bytes; the tracker still verifies it."""
    if not isinstance(answer, bytes) or len(answer) != snark.PROOF_BYTES:
        raise ProverUnavailableError(f"the prover answered {type(answer).__name__}, not a proof")
    return answer
