"""Who proves what, when: own batches at once, a silent proposer's batch after a patience window
(one validator at a time, in validator order), never two proofs at once on one node."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from zkpov.chain.state import AccountState, compute_batch_commitment, sign_transfer
from zkpov.crypto import schnorr, snark
from zkpov.node.proving.prover import RESCUE_PATIENCE_SECONDS, LocalProver, OwedBatch, ProofTracker
from zkpov.spec.payload import compute_root_bytes

CONFIG = snark.CircuitConfig(batch_size=1, tree_depth=4)


@pytest.fixture(scope="module")
def keys() -> tuple[snark.ProvingKey, snark.VerifyingKey]:
    return snark.insecure_setup(CONFIG, b"prover-schedule-test")


def tracker(keys: tuple[snark.ProvingKey, snark.VerifyingKey]) -> ProofTracker:
    pk, vk = keys
    return ProofTracker(pk, vk, lambda h: None, lambda a: None, lambda h: None)


def owe(t: ProofTracker, height: int, proposer: int, at: float = 100.0) -> None:
    t.owe(height, OwedBatch(AccountState(CONFIG.tree_depth), [], proposer, at))


def test_own_batches_are_due_at_once_others_after_patience_by_distance(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    t = tracker(keys)
    owe(t, 5, proposer=1)
    assert t.get_due(100.0, index=1, size=4) == [5]
    assert t.get_due(100.0, index=2, size=4) == []
    assert t.get_due(100.0 + RESCUE_PATIENCE_SECONDS, index=2, size=4) == [5]
    assert t.get_due(100.0 + RESCUE_PATIENCE_SECONDS, index=3, size=4) == []
    assert t.get_due(100.0 + 2 * RESCUE_PATIENCE_SECONDS, index=3, size=4) == [5]
    assert t.get_due(100.0 + 3 * RESCUE_PATIENCE_SECONDS, index=0, size=4) == [5]


def test_one_proof_at_a_time_oldest_first(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    t = tracker(keys)
    owe(t, 9, proposer=0)
    owe(t, 7, proposer=0)
    assert t.get_due(100.0, index=0, size=4) == [7]
    t.proving.add(7)
    assert t.get_due(100.0, index=0, size=4) == []


def test_a_recorded_proof_settles_the_debt(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    t = tracker(keys)
    owe(t, 3, proposer=0)
    t.record_carried(3, b"proof checked by consensus")
    assert t.get_due(1e9, index=0, size=4) == []
    owe(t, 3, proposer=0)  # a late commit hook cannot re-open it
    assert 3 not in t.owed


def test_the_local_backend_proves_off_the_event_loop(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    pk, vk = keys
    alice, bob = schnorr.generate_keypair(), schnorr.generate_keypair()
    state = AccountState(CONFIG.tree_depth)
    state.credit(1, alice.public_key, 50)
    transfer = sign_transfer(alice.secret_key, 1, 2, bob.public_key, 5, 1, fee=1)
    backend = LocalProver()

    async def prove_while_ticking() -> tuple[bytes, int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.001)
                ticks += 1

        ticker = asyncio.create_task(tick())
        proof = await backend.prove(pk, state, [transfer])
        ticker.cancel()
        return proof, ticks

    try:
        proof, ticks = asyncio.run(prove_while_ticking())
    finally:
        backend.close()
    before = int.from_bytes(compute_root_bytes(state.root), "big")
    state.apply_transfers([transfer])
    after = int.from_bytes(compute_root_bytes(state.root), "big")
    inputs = [before, after, compute_batch_commitment([transfer])]
    assert snark.verify(vk, inputs, proof)
    assert ticks > 0, "the event loop ran while the proof was computed"


def test_with_carried_proofs_only_a_proof_in_a_committed_block_settles(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    pk, vk = keys
    finals: list[int] = []
    chain = {h: SimpleNamespace(payload=b"transfers") for h in range(1, 3)}  # heights 1, 2
    t = ProofTracker(
        pk, vk, chain.get, lambda a: None, finals.append, carried_only=True,  # type: ignore[arg-type]
    )  # fmt: skip
    owe(t, 1, proposer=0)
    t._record(1, b"gossiped")  # what _verify records for a good gossiped proof
    assert t.proofs[1] == b"gossiped" and 1 not in t.owed
    assert t.proven_final_height == 0, "a gossiped proof is not yet in a committed block"
    t.record_carried(1, b"gossiped")
    assert t.proven_final_height == 1 and finals == [1]
    t.record_carried(2, b"carried")
    assert t.proven_final_height == 2


def test_without_carried_proofs_a_verified_gossiped_proof_settles(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    pk, vk = keys
    chain = {1: SimpleNamespace(payload=b"transfers")}
    t = ProofTracker(pk, vk, chain.get, lambda a: None, lambda h: None)  # type: ignore[arg-type]
    t._record(1, b"gossiped")
    assert t.proven_final_height == 1
