"""The evidence an honest devnet node committed: per offender, how many offences of each kind.

Read over RPC (``/block``) from a node that runs no attack mode. Each item is decoded and
re-verified against the set it is given, the genesis set in ``zkpov devnet`` (independently of
the node, whose voters check included evidence before they vote; an item that does not verify
there, such as an offence of a validator that joined later, is skipped, not counted) and
counted once per (kind, offender, round), however many blocks carry it.
"""

from __future__ import annotations

from collections import Counter

from zkpov.consensus.evidence_pool import get_evidence_round
from zkpov.errors import ZkpovError
from zkpov.node.rpc.client import RpcClient
from zkpov.spec.codec.evidence import decode_evidence
from zkpov.spec.evidence import get_evidence_kind, verify_evidence
from zkpov.spec.validators import ValidatorSet

__all__ = ["count_committed_evidence", "count_evidence"]

Offence = tuple[str, int, int]  # (kind, offender, round)


def count_evidence(items: list[bytes], vset: ValidatorSet) -> set[Offence]:
    """The distinct offences that ``items`` (encoded evidence) prove; junk is skipped."""
    offences: set[Offence] = set()
    for encoded in items:
        try:
            evidence = decode_evidence(encoded)
            offender = verify_evidence(evidence, vset)
        except ZkpovError:
            continue
        offences.add(
            (get_evidence_kind(evidence), int(offender), int(get_evidence_round(evidence)))
        )
    return offences


def _from_hex(item: object) -> bytes:
    try:
        return bytes.fromhex(item) if isinstance(item, str) else b""
    except ValueError:
        return b""  # not evidence: skipped when decoded


async def count_committed_evidence(
    client: RpcClient, height: int, vset: ValidatorSet
) -> dict[str, dict[str, int]]:
    """``{offender index: {kind: offences}}`` over the node's committed blocks 1..``height``."""
    items: list[bytes] = []
    for h in range(1, height + 1):
        block = await client.get("/block", height=h) or {}
        items += [_from_hex(item) for item in block.get("evidence", [])]
    counts = Counter((offender, kind) for kind, offender, _ in count_evidence(items, vset))
    out: dict[str, dict[str, int]] = {}
    for (offender, kind), n in sorted(counts.items()):
        out.setdefault(str(offender), {})[kind] = n
    return out
