"""Clients' transfers admitted once per event-loop turn (``ClientTxQueue``)."""

from __future__ import annotations

import asyncio

import pytest

from tests.node.consensus_io.test_tx_gossip import KEY, TARGET, count_batches, make_gossip
from zkpov.chain.state import sign_transfer
from zkpov.crypto import schnorr
from zkpov.errors import ClientQueueFullError
from zkpov.node.consensus_io import client_txs
from zkpov.node.consensus_io.client_txs import ClientTxQueue
from zkpov.node.consensus_io.tx_gossip import GOSSIP_TX
from zkpov.node.state.mempool import AddResult

OTHER = schnorr.generate_keypair()


def signed(nonce: int, key: schnorr.Keypair = KEY, sender: int = 1, amount: int = 5) -> bytes:
    return sign_transfer(key.secret_key, sender, 2, TARGET.public_key, amount, nonce, 1).to_bytes()


def forged(tx: bytes) -> bytes:
    """``tx`` with the lowest bit of its scalar ``s`` flipped: canonical, but a bad signature."""
    bad = bytearray(tx)
    bad[-32] ^= 1
    return bytes(bad)


# good, bad signature (affordable, right nonce: it reaches the check), a nonce gap, a duplicate,
# a sender's run, malformed bytes, a too-high nonce after the run, an unknown sender, two senders
MIXED = [
    signed(1), forged(signed(2)), signed(4), signed(1), signed(2), b"\x00" * 10, signed(3),
    signed(1, OTHER, sender=5), forged(signed(1, OTHER, sender=3)), signed(1, OTHER, sender=3),
    signed(4, amount=10**6),
]  # fmt: skip


def make_queue() -> tuple[ClientTxQueue, list[int]]:
    gossip, _, _ = make_gossip()
    gossip.mempool.get_state().credit(3, OTHER.public_key, 100)
    return ClientTxQueue(gossip), count_batches(gossip)


def submit_in_one_turn(queue: ClientTxQueue, txs: list[bytes]) -> list[AddResult | Exception]:
    async def main() -> list[AddResult | Exception]:
        tasks = [asyncio.create_task(queue.submit(tx)) for tx in txs]
        return await asyncio.gather(*tasks, return_exceptions=True)

    return asyncio.run(main())


def test_each_request_gets_the_answer_one_by_one_admission_gives() -> None:
    queue, sizes = make_queue()
    batched = submit_in_one_turn(queue, MIXED)
    one_by_one, _ = make_queue()
    expected = [one_by_one.gossip.submit_tx(tx) for tx in MIXED]
    assert batched == expected and sizes == [len(MIXED)]
    reasons = [r.reason for r in expected]
    assert reasons == [
        "", "bad_signature", "nonce_gap", "duplicate", "", "malformed", "",
        "unknown_sender", "bad_signature", "", "insufficient_balance",
    ]  # fmt: skip
    pools = (queue.gossip.mempool, one_by_one.gossip.mempool)
    assert [p.get_pending_count(1) for p in pools] == [3, 3] and len(pools[0]) == len(pools[1])
    sent = [queue.gossip.transport, one_by_one.gossip.transport]
    assert (
        sent[0].sent
        == sent[1].sent
        == [  # type: ignore[attr-defined]
            GOSSIP_TX + tx for tx, r in zip(MIXED, expected, strict=True) if r.accepted
        ]
    )


def test_requests_of_later_turns_form_later_batches() -> None:
    queue, sizes = make_queue()

    async def main() -> list[bool]:
        first = asyncio.create_task(queue.submit(signed(1)))
        await asyncio.sleep(0)  # the turn ends: the first batch is admitted
        second = [asyncio.create_task(queue.submit(signed(n))) for n in (2, 3)]
        return [r.accepted for r in await asyncio.gather(first, *second)]

    assert asyncio.run(main()) == [True, True, True] and sizes == [1, 2] and len(queue) == 0


def test_the_queue_is_bounded_and_refuses_before_queueing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_txs, "MAX_QUEUED_CLIENT_TXS", 2)
    queue, sizes = make_queue()
    answers = submit_in_one_turn(queue, [signed(1), signed(2), signed(3)])
    assert [getattr(a, "accepted", None) for a in answers[:2]] == [True, True]
    assert isinstance(answers[2], ClientQueueFullError) and "retry" in str(answers[2])
    assert sizes == [2] and queue.gossip.mempool.get_pending_count(1) == 2
    assert [a.accepted for a in submit_in_one_turn(queue, [signed(3)])] == [True]  # type: ignore[union-attr]


def test_a_client_that_leaves_still_has_its_transfer_admitted() -> None:
    queue, _ = make_queue()

    async def main() -> AddResult:
        gone = asyncio.create_task(queue.submit(signed(1)))
        stays = asyncio.create_task(queue.submit(signed(2)))
        await asyncio.sleep(0)  # both queued
        gone.cancel()
        return await stays

    assert asyncio.run(main()).accepted and queue.gossip.mempool.get_pending_count(1) == 2


def test_a_failed_batch_answers_every_request_with_the_error() -> None:
    queue, _ = make_queue()

    def broken(txs: list[bytes]) -> list[AddResult]:
        raise RuntimeError("boom")

    queue.gossip.mempool.add_many = broken  # type: ignore[method-assign,assignment]
    loop_errors: list[object] = []

    async def main() -> list[AddResult | BaseException]:
        asyncio.get_running_loop().set_exception_handler(lambda _, ctx: loop_errors.append(ctx))
        tasks = [asyncio.create_task(queue.submit(signed(n))) for n in (1, 2)]
        return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)

    answers = asyncio.run(main())
    assert [str(a) for a in answers] == ["boom", "boom"] and len(loop_errors) == 1
