"""``zkpov devnet --join N``: validators that join the running network by transaction.

Each joiner has a home whose validator key is not in the genesis set and a genesis-funded
account (``accounts/joiner{k}.json``). Once the genesis nodes serve RPC, the devnet signs a
``create_validator`` for each (self-bond ``VALIDATOR_STAKE``, as a genesis validator's; a BLS
proof of possession; commission ``JOIN_COMMISSION_BPS``), submits it and waits until it is
committed, then starts the joiner's node. The staking ledger appends each joiner to the
registry, so a joiner is named by its **registry index**: after the genesis validators
(0..V-1), in the order their joins committed. It enters the active set at the next epoch
change and votes from then on; :func:`count_joiner_signatures` reads that from the signer
bitfields of the committed blocks' QCs.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from zkpov.chain.operations import sign_create_validator
from zkpov.chain.state import compute_account_index, compute_chain_tag
from zkpov.crypto import bls
from zkpov.devnet.load import DEVNET_FEE, NodeStartError, wait_ready
from zkpov.devnet.processes import spawn_node
from zkpov.errors import DecodeError
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import VALIDATOR_STAKE, TestnetLayout
from zkpov.node.rpc.client import RpcClient
from zkpov.node.state.genesis import compute_genesis_hash
from zkpov.spec.encoding import get_bitfield_indices

__all__ = [
    "JOIN_COMMISSION_BPS",
    "JoinError",
    "Joiner",
    "count_joiner_signatures",
    "start_joiners",
    "submit_joins",
]

JOIN_COMMISSION_BPS = 500
POLL_SECONDS = 0.3
JOIN_SECONDS = 120.0  # to commit the joins, then for each joiner's node to serve RPC
MAX_REGISTRY_SCAN = 64  # registry indices looked at for a joiner's key (the devnet has < 40)


class JoinError(RuntimeError):
    """A joiner's create_validator was refused, or not committed in time."""


@dataclass(frozen=True)
class Joiner:
    home: Path
    pubkey: str  # BLS public key, hex
    registry_index: int


def build_join(home: Path, account_file: Path, depth: int, chain_tag: int) -> tuple[str, bytes]:
    """(BLS key hex, encoded create_validator) for the joiner at ``home``, first nonce."""
    config = load_node_config(home)
    validator = read_key_file(config.get_path(config.validator_key_file), KeyKind.VALIDATOR)
    account = read_key_file(account_file, KeyKind.ACCOUNT)
    sender = compute_account_index(account.public, depth)
    pop = bls.pop_prove(validator.secret)
    op = sign_create_validator(
        account.secret, sender, validator.public, pop, JOIN_COMMISSION_BPS, VALIDATOR_STAKE,
        1, fee=DEVNET_FEE, chain_tag=chain_tag,
    )  # fmt: skip
    return validator.public.hex(), op.to_bytes()


async def submit_joins(
    client: RpcClient,
    joins: list[tuple[Path, Path]],
    depth: int,
    chain_tag: int,
    timeout: float,
) -> list[Joiner]:
    """Submits each (home, account key file)'s create_validator through ``client`` and waits
    until every one is in the committed registry; ``JoinError`` if refused or late."""
    keys: list[tuple[Path, str]] = []
    for home, account_file in joins:
        pubkey, tx = build_join(home, account_file, depth, chain_tag)
        answer = await client.broadcast_tx(tx)
        if not answer.get("accepted"):
            raise JoinError(f"the create_validator of {home.name} was refused: {answer}")
        keys.append((home, pubkey))
    deadline = time.monotonic() + timeout
    return [Joiner(h, pk, await _wait_registered(client, pk, deadline)) for h, pk in keys]


async def _wait_registered(client: RpcClient, pubkey: str, deadline: float) -> int:
    while time.monotonic() < deadline:
        found = await _find_registered(client, pubkey)
        if found is not None:
            return found
        await asyncio.sleep(POLL_SECONDS)
    raise JoinError(f"validator {pubkey[:16]}... was not registered in time")


async def _find_registered(client: RpcClient, pubkey: str) -> int | None:
    for index in range(MAX_REGISTRY_SCAN):
        record = await client.get("/v1/staking/validator", index=index)
        if record is None:
            return None
        if record.get("pubkey") == pubkey:
            return index
    return None


async def count_joiner_signatures(
    client: RpcClient, height: int, joiners: list[Joiner]
) -> dict[str, int]:
    """``{registry index: QCs signed}`` over the QCs that committed blocks 1..``height`` carry
    (each signer bitfield read against its epoch's set, ``/validators?epoch=``)."""
    counts = {str(j.registry_index): 0 for j in joiners}
    members: dict[int, list[str]] = {}
    for h in range(1, height + 1):
        qc = ((await client.get("/block", height=h)) or {}).get("qc") or {}
        epoch = int(qc.get("epoch", 0))
        if epoch not in members:
            members[epoch] = await _get_members(client, epoch)
        for joiner in joiners:
            if _has_signed(qc, members[epoch], joiner.pubkey):
                counts[str(joiner.registry_index)] += 1
    return counts


async def _get_members(client: RpcClient, epoch: int) -> list[str]:
    answer = await client.get("/validators", epoch=epoch, per_page=MAX_REGISTRY_SCAN) or {}
    ordered = sorted(answer.get("validators", []), key=lambda v: int(v["index"]))
    return [v["pubkey"] for v in ordered]


def _has_signed(qc: dict[str, object], members: list[str], pubkey: str) -> bool:
    if pubkey not in members or not isinstance(qc.get("signers"), str):
        return False
    try:
        signers = get_bitfield_indices(bytes.fromhex(str(qc["signers"])), len(members))
    except (ValueError, DecodeError):
        return False
    return members.index(pubkey) in signers


async def start_joiners(
    layout: TestnetLayout,
    make_client: Callable[[Path], RpcClient],
    clients: list[RpcClient],
    procs: list[subprocess.Popen[bytes]],
    joiners: list[Joiner],
    timeout: float = JOIN_SECONDS,
) -> None:
    """Commits each joiner's create_validator (through ``clients[0]``), then starts its node
    (appended to ``procs``, ``clients`` and ``joiners``) and waits until it serves RPC."""
    if not layout.joiner_homes:
        return
    chain_tag = compute_chain_tag(compute_genesis_hash(layout.genesis))
    pairs = list(zip(layout.joiner_homes, layout.joiner_account_key_files, strict=True))
    depth = layout.genesis.circuit_tree_depth
    joiners += await submit_joins(clients[0], pairs, depth, chain_tag, timeout)
    first = len(procs)
    for joiner in joiners:
        procs.append(spawn_node(joiner.home, append=False))
        clients.append(make_client(joiner.home))
    try:
        await wait_ready(clients[first:], timeout, lambda i: procs[first + i].poll() is None)
    except NodeStartError as err:  # named by its place among all the devnet's nodes
        raise NodeStartError(first + err.index, err.reason) from None
