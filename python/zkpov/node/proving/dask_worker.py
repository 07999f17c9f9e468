"""A prover worker's side of :class:`~zkpov.node.proving.dask_prover.DaskProver`: the task each
job runs (:func:`prove_job`), and the proving keys it uses, found by SHA-256 in a key-cache
directory and loaded once per worker process (:class:`ProverKeysPlugin`, a Dask worker plugin).

A job is bytes (:class:`~zkpov.node.proving.proof_job.ProofJob`) and so is its answer, a proof;
the node verifies it before using it. A worker without the job's key refuses it with
``MissingProvingKeyError``, and Dask retries the job on another worker.
"""

from __future__ import annotations

import threading
from pathlib import Path

from distributed import Worker, WorkerPlugin, get_worker

from zkpov.crypto import snark
from zkpov.errors import MissingProvingKeyError
from zkpov.node.proving.proof_job import ProofJob

__all__ = ["PLUGIN_NAME", "KeyDirectory", "ProverKeysPlugin", "prove_job"]

PLUGIN_NAME = "zkpov-prover-keys"


class KeyDirectory:
    """The proving keys of a key-cache directory (``<circuit id>-<seed tag>.pk`` files, see
    :func:`~zkpov.crypto.snark.load_or_create_insecure_keys`), each loaded at its first job."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._keys: dict[tuple[str, bytes], snark.ProvingKey] = {}
        self._lock = threading.Lock()

    def get_key(self, config: snark.CircuitConfig, key_sha256: bytes) -> snark.ProvingKey:
        ident = (config.circuit_id, key_sha256)
        with self._lock:
            if ident not in self._keys:
                self._keys[ident] = snark.load_cached_key(config, self._find(*ident))
            return self._keys[ident]

    def _find(self, circuit_id: str, key_sha256: bytes) -> Path:
        for path in sorted(self.root.glob(f"{circuit_id}-*.pk")):
            if snark.read_cache_hash(path) == key_sha256:
                return path
        raise MissingProvingKeyError(
            f"no proving key with SHA-256 {key_sha256.hex()[:16]}... for circuit"
            f" {circuit_id[:16]}... in {self.root}"
        )


class ProverKeysPlugin(WorkerPlugin):
    """Gives a worker process its :class:`KeyDirectory` (one per process)."""

    name = PLUGIN_NAME

    def __init__(self, keys_dir: str) -> None:
        self.keys_dir = keys_dir
        self.keys: KeyDirectory | None = None

    def setup(self, worker: Worker) -> None:
        self.keys = KeyDirectory(Path(self.keys_dir))


def get_keys() -> KeyDirectory:
    """This worker's key directory; ``MissingProvingKeyError`` if it was started without one."""
    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, ProverKeysPlugin) or plugin.keys is None:
        raise MissingProvingKeyError(
            "this worker has no key directory: start it with zkpov prover-worker --keys DIR"
        )
    return plugin.keys


def prove_job(job_bytes: bytes) -> bytes:
    """The Dask task: decodes a job, proves it with this worker's key, returns the proof."""
    job = ProofJob.from_bytes(job_bytes)
    pk = get_keys().get_key(job.get_config(), job.key_sha256)
    proof, _ = snark.prove_with_witness(pk, job.witness, job.transfers)
    return proof


WORKER_DEATH_TIMEOUT_SECONDS = 60.0  # a worker that cannot reach its scheduler this long exits


async def run_worker(scheduler: str, keys_dir: Path, host: str) -> None:
    """Serves one single-threaded prover worker (each proof uses every core it may) until its
    scheduler goes away; listens on ``host``, no dashboard."""
    plugin = ProverKeysPlugin(str(keys_dir))
    worker = Worker(
        scheduler, nthreads=1, host=host, dashboard=False, plugins=(plugin,),
        death_timeout=WORKER_DEATH_TIMEOUT_SECONDS,
    )  # fmt: skip
    async with worker:
        await worker.finished()  # type: ignore[no-untyped-call]
