"""An open-loop transfer load for the saturation benchmark: transfers offered at a set rate.

Unlike the devnet's closed loop (:mod:`zkpov.devnet.load`, a fixed number in flight), this
offers ``rate`` transfers a second whatever the chain does, so that a chain slower than the
offer shows as a growing commit latency and refusals rather than as a slower generator. Each
sender's transfers go to one node, one request at a time, so that its nonces arrive in order;
a sender waits while it has the mempool's per-sender cap of transfers uncommitted. An offered
transfer that finds no free sender, or no free request slot, is counted as ``unsent``: that is
the generator (or the nodes' RPC) failing to keep up, reported as such, never hidden.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter, deque
from dataclasses import dataclass, field

import aiohttp

from zkpov.chain.state import compute_account_index, sign_transfer
from zkpov.devnet.load import DEVNET_FEE
from zkpov.node.ops.keys import SecretKeyFile
from zkpov.node.rpc.client import RpcClient
from zkpov.node.state.mempool import DEFAULT_MAX_PER_SENDER

__all__ = ["LoadCounts", "OpenLoad", "Sender", "Submitted", "make_senders"]

TICK_SECONDS = 0.02  # how often the pacer launches what is due
# refusals after which a sender's next nonce is unknown (one of its transfers was lost or its
# answer never came): the sender is retired rather than fed nonces that can never apply
LOST_NONCE_REASONS = frozenset({"nonce_too_low", "nonce_taken", "nonce_gap", "nonce_unknown"})


@dataclass
class Sender:
    key: SecretKeyFile
    index: int  # the account's index in the tree
    node: int  # the node whose RPC takes all of its transfers
    nonce: int = 0  # the last nonce used
    busy: bool = False  # a request is in flight
    pending: int = 0  # accepted and not yet seen committed
    retired: bool = False  # its next nonce is unknown: no longer used


@dataclass(frozen=True)
class Submitted:
    sender: int
    sent_at: float  # monotonic time the request left


@dataclass
class LoadCounts:
    """What the generator did; ``refused`` by the mempool's reason code."""

    offered: int = 0
    sent: int = 0
    accepted: int = 0
    unsent: int = 0
    errors: int = 0  # requests that failed (no answer)
    retired_senders: int = 0
    refused: Counter[str] = field(default_factory=Counter)


def make_senders(keys: list[SecretKeyFile], depth: int, nodes: int) -> list[Sender]:
    return [
        Sender(key, compute_account_index(key.public, depth), i % nodes)
        for i, key in enumerate(keys)
    ]


class OpenLoad:
    """Offers transfers between ``senders`` (each pays the next one 1) through ``clients``."""

    def __init__(
        self,
        senders: list[Sender],
        clients: list[RpcClient],
        chain_tag: int,
        max_outstanding: int = 256,
    ) -> None:
        self.senders, self.clients, self.chain_tag = senders, clients, chain_tag
        self.max_outstanding = max_outstanding
        self.counts = LoadCounts()
        self.submitted: dict[bytes, Submitted] = {}  # tx hash -> who sent it, when
        self._free: deque[int] = deque(range(len(senders)))
        self._outstanding = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def offer(self, rate: float, seconds: float) -> None:
        """Offers ``rate`` transfers a second for ``seconds``."""
        start, due_sent = time.monotonic(), 0
        while (elapsed := time.monotonic() - start) < seconds:
            due = int(rate * elapsed) - due_sent
            due_sent += due
            self.counts.offered += due
            for launched in range(due):
                if not self._launch_next():
                    self.counts.unsent += due - launched
                    break
            await asyncio.sleep(TICK_SECONDS)

    def on_committed(self, tx_hash: bytes) -> Submitted | None:
        """A transfer seen in a committed block: its sender may send again."""
        record = self.submitted.pop(tx_hash, None)
        if record is not None:
            sender = self.senders[record.sender]
            sender.pending -= 1
            if sender.pending == DEFAULT_MAX_PER_SENDER - 1 and not (sender.busy or sender.retired):
                self._free.append(record.sender)
        return record

    async def close(self) -> None:
        """Waits for the requests still in flight."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _launch_next(self) -> bool:
        if not self._free or self._outstanding >= self.max_outstanding:
            return False
        index = self._free.popleft()
        sender = self.senders[index]
        sender.busy, sender.nonce = True, sender.nonce + 1
        self._outstanding += 1
        task = asyncio.ensure_future(self._submit(index, self._sign(index)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    def _sign(self, index: int) -> bytes:
        sender, target = self.senders[index], self.senders[(index + 1) % len(self.senders)]
        transfer = sign_transfer(
            sender.key.secret, sender.index, target.index, target.key.public, 1, sender.nonce,
            fee=DEVNET_FEE, chain_tag=self.chain_tag,
        )  # fmt: skip
        return transfer.to_bytes()

    async def _submit(self, index: int, tx: bytes) -> None:
        sender, sent_at = self.senders[index], time.monotonic()
        self.counts.sent += 1
        try:
            result = await self.clients[sender.node].broadcast_tx(tx)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            self.counts.errors += 1  # the node may still have taken it: retire the sender
            result = {"accepted": False, "reason": "nonce_unknown"}
        finally:
            self._outstanding -= 1
        self._on_result(index, tx, result, sent_at)

    def _on_result(self, index: int, tx: bytes, result: dict[str, object], sent_at: float) -> None:
        sender = self.senders[index]
        sender.busy = False
        if result.get("accepted"):
            self.counts.accepted += 1
            sender.pending += 1
            self.submitted[hashlib.sha256(tx).digest()] = Submitted(index, sent_at)
        else:  # its nonce is free again: the next transfer reuses it
            sender.nonce -= 1
            reason = str(result.get("reason", "unknown"))
            self.counts.refused[reason] += 1
            if reason in LOST_NONCE_REASONS:  # its nonces no longer follow on: stop using it
                self.counts.retired_senders += 1
                sender.retired = True
                return
        if sender.pending < DEFAULT_MAX_PER_SENDER:
            self._free.append(index)
