"""``zkpov light``: a light client over two or more nodes' RPC, trusting a genesis file or a
checkpoint. ``sync`` verifies the finalized header and the validity proofs; ``account`` an
account's Merkle proof against a verified header. Conflicting witnesses: evidence, exit 3."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click

_CONFLICT_EXIT = 3


def _witness_options(fn: Any) -> Any:
    options = (
        click.option("--rpc", "rpcs", multiple=True, required=True,
                     help="a witness node's RPC URL; give two or more to detect conflicts"),
        click.option("--genesis", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     required=True, help="the chain's genesis.json"),
        click.option("--checkpoint", default=None,
                     help="EPOCH:VALSET_COMMITMENT_HEX:BLOCK_ID_HEX (weak subjectivity)"),
        click.option("--trusting-period", type=click.IntRange(0), default=None,
                     help="epochs a checkpoint stays trusted; below the unbonding period"
                     " (default: one epoch less)"),
        click.option("--json", "as_json", is_flag=True, help="print JSON"),
    )  # fmt: skip
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.group()
def light() -> None:
    """Light client: verify finality, proofs and accounts from outside."""


@light.command("sync")
@_witness_options
@click.option("--key-cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="the chain's circuit-key directory (else derived: about a minute)")  # fmt: skip
@click.option("--no-proofs", is_flag=True, help="verify finality only, not validity proofs")
def sync(
    rpcs: tuple[str, ...], genesis: Path, checkpoint: str | None, trusting_period: int | None,
    as_json: bool, key_cache: Path | None, no_proofs: bool,
) -> None:  # fmt: skip
    """Verify the latest finalized header (and the proofs up to it) from every --rpc."""
    from zkpov.light import load_verifying_key, parse_checkpoint, sync_chain
    from zkpov.node.state.genesis import read_genesis

    doc = read_genesis(genesis)
    point = None if checkpoint is None else parse_checkpoint(checkpoint)
    vk = None if no_proofs else load_verifying_key(doc, key_cache)
    report = asyncio.run(sync_chain(rpcs, doc, point, trusting_period, vk))
    header = report.finalized.header
    out = {
        "finalized_height": header.height, "epoch": report.epoch,
        "epoch_changes": report.epoch_changes,
        "block_id": header.id.hex(), "state_root": header.state_root.hex(),
        "verified_qcs": report.verified_qcs, "verified_proofs": report.verified_proofs,
        "proven_height": report.proven_height, "witnesses": len(rpcs),
        "conflicts": [_encode_conflict(c) for c in report.conflicts],
    }  # fmt: skip
    click.echo(json.dumps(out) if as_json else _describe(out))
    if report.conflicts:
        raise click.exceptions.Exit(_CONFLICT_EXIT)


def _encode_conflict(conflict: Any) -> dict[str, Any]:
    from zkpov.node.rpc.codec import encode_header, encode_qc

    return {
        "height": conflict.height,
        "evidence": [
            {"rpc": w.rpc, "header": encode_header(w.header), "commit_certificate": encode_qc(w.qc)}
            for w in (conflict.first, conflict.second)
        ],
    }


def _describe(out: dict[str, Any]) -> str:
    lines = [
        f"finalized height {out['finalized_height']} (epoch {out['epoch']}),"
        f" block {out['block_id'][:16]}",
        f"verified {out['verified_qcs']} QCs and {out['verified_proofs']} validity proofs"
        f" (proven up to {out['proven_height']})",
    ]
    for conflict in out["conflicts"]:
        rpcs = " and ".join(e["rpc"] for e in conflict["evidence"])
        lines.append(f"CONFLICT at height {conflict['height']}: {rpcs} finalized different blocks")
    return "\n".join(lines)


@light.command("account")
@_witness_options
@click.option("--index", type=click.IntRange(0, 2**64 - 1), required=True, help="account index")
def account(
    rpcs: tuple[str, ...], genesis: Path, checkpoint: str | None, trusting_period: int | None,
    as_json: bool, index: int,
) -> None:  # fmt: skip
    """An account's balance and nonce, its Merkle proof verified against a finalized header."""
    from zkpov.light import parse_checkpoint, query_account
    from zkpov.node.state.genesis import read_genesis

    doc = read_genesis(genesis)
    point = None if checkpoint is None else parse_checkpoint(checkpoint)
    tip, found = asyncio.run(query_account(rpcs, doc, index, point, trusting_period))
    key = None if found.public_key is None else found.public_key.hex()
    out = {
        "index": str(index), "public_key": key,
        "balance": str(found.balance), "nonce": found.nonce, "height": tip.header.height,
        "state_root": tip.header.state_root.hex(), "proof_verified": True,
    }  # fmt: skip
    text = f"account {index}: balance {found.balance}, nonce {found.nonce} (proof verified"
    click.echo(json.dumps(out) if as_json else f"{text} at height {tip.header.height})")
