"""The devnet's transfer load (transfers, and delegates if asked) and its view of the nodes
(over RPC)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from zkpov.chain.operations import sign_delegate
from zkpov.chain.state import compute_account_index, sign_transfer
from zkpov.node.ops.keys import SecretKeyFile
from zkpov.node.rpc.client import RpcClient

__all__ = [
    "Load",
    "NodeProgress",
    "NodeStartError",
    "Tracker",
    "get_metric",
    "poll_node",
    "submit_load",
    "wait_ready",
]


DEVNET_FEE = 1  # every devnet transfer pays it; the nodes' mempools demand it


@dataclass
class NodeProgress:
    height: int = 0
    round: int = 0
    proven_final: int = 0
    proof_seconds: float | None = None


@dataclass
class Load:
    """Transfers between the funded accounts, each account's nonces in order; with
    ``stake_every`` N, each account's every Nth op is instead a delegate of 1 to a validator
    (its nonce decides which of ``validators``, less those in ``skip``: an attacker is slashed and
    then refuses delegations, which a mempool drops after admitting them, stalling that sender)."""

    accounts: list[SecretKeyFile]
    depth: int
    chain_tag: int
    stake_every: int = 0
    validators: int = 1
    skip: frozenset[int] = frozenset()
    nonces: dict[int, int] = field(default_factory=dict)
    submitted_at: dict[str, float] = field(default_factory=dict)
    next_sender: int = 0

    def make(self) -> tuple[int, bytes]:
        """The next sender's index and its next transfer."""
        i = self.next_sender % len(self.accounts)
        self.next_sender += 1
        sender, target = self.accounts[i], self.accounts[(i + 1) % len(self.accounts)]
        nonce = self.nonces.get(i, 0) + 1
        self.nonces[i] = nonce
        s_index = compute_account_index(sender.public, self.depth)
        if self.stake_every and nonce % self.stake_every == 0:
            targets = [v for v in range(self.validators) if v not in self.skip]
            validator = targets[nonce // self.stake_every % len(targets)]
            op = sign_delegate(sender.secret, s_index, validator, 1, nonce, DEVNET_FEE,
                               self.chain_tag)  # fmt: skip
            return i, op.to_bytes()
        t_index = compute_account_index(target.public, self.depth)
        transfer = sign_transfer(
            sender.secret, s_index, t_index, target.public, 1, nonce, fee=DEVNET_FEE,
            chain_tag=self.chain_tag,
        )  # fmt: skip
        return i, transfer.to_bytes()

    def undo(self, sender: int) -> None:
        """The last transfer of ``sender`` (the last one made) was refused: its nonce is free."""
        self.next_sender -= 1
        self.nonces[sender] -= 1


def get_metric(text: str, name: str) -> float | None:
    """The value of an unlabelled series in Prometheus text, or None."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


async def poll_node(client: RpcClient) -> NodeProgress:
    try:
        status = await client.get("/status")
        metrics = await client.get_text("/metrics")
    except (aiohttp.ClientError, TimeoutError):
        return NodeProgress()
    sync = status["sync_info"]
    total = get_metric(metrics, "zkpov_proof_generation_seconds_sum")
    count = get_metric(metrics, "zkpov_proof_generation_seconds_count")
    mean = total / count if total is not None and count else None
    return NodeProgress(
        sync["latest_block_height"], sync["current_round"], sync["proven_final_height"] or 0, mean
    )


async def wait_ready(
    clients: list[RpcClient], timeout: float, is_alive: Callable[[int], bool]
) -> None:
    """Waits until every node answers ``/health``; ``NodeStartError`` names the first node that
    exited (``is_alive(i)`` false) or was still silent when ``timeout`` ran out."""
    deadline = time.monotonic() + timeout
    for index, client in enumerate(clients):
        while not await _is_healthy(client):
            if not is_alive(index):
                raise NodeStartError(index, "exited during start-up")
            if time.monotonic() > deadline:
                raise NodeStartError(index, f"did not serve /health within {timeout:.0f} s")
            await asyncio.sleep(0.2)


async def _is_healthy(client: RpcClient) -> bool:
    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
        return await client.get("/health") is not None
    return False


class NodeStartError(RuntimeError):
    """A devnet node failed to start; ``index`` says which."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"node{index} {reason}")
        self.index, self.reason = index, reason


@dataclass
class Tracker:
    """What the devnet saw: committed blocks (from node 0), commit times, transfer latencies."""

    load: Load
    blocks: dict[int, str] = field(default_factory=dict)
    tx_heights: dict[int, int] = field(default_factory=dict)
    commit_times: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    committed: int = 0

    async def collect(self, client: RpcClient, height: int) -> None:

        for h in range(len(self.blocks) + 1, height + 1):
            record = await client.get("/block", height=h)
            if record is None:
                return
            self.blocks[h] = record["block_id"]
            self.commit_times.append(time.monotonic())
            self.tx_heights[h] = len(record["txs"])
            for tx in record["txs"]:
                sent = self.load.submitted_at.pop(
                    hashlib.sha256(bytes.fromhex(tx)).hexdigest(), None
                )
                if sent is not None:
                    self.latencies.append(time.monotonic() - sent)
                self.committed += 1


async def submit_load(clients: list[RpcClient], tracker: Tracker, limit: int) -> None:

    while len(tracker.load.submitted_at) < limit:
        sender, tx = tracker.load.make()
        client = clients[sender % len(clients)]  # one node per sender: its nonces in order
        result = await client.broadcast_tx(tx)
        if not result.get("accepted"):  # full, or the sender's pending cap: retry it later
            tracker.load.undo(sender)
            break
        tracker.load.submitted_at[hashlib.sha256(tx).hexdigest()] = time.monotonic()
