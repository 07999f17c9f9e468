"""The evidence an honest devnet node committed: per offender, how many offences of each kind.

Read over RPC (``/block``) from a node that runs no attack mode. Each item is decoded and
re-verified against the committed set of its offence's epoch (``/validators?epoch=``; the
node's voters checked it before they voted, this checks it again independently), and counted
once per (kind, offender, epoch, round), however many blocks carry it. An offender is named by
its **registry index** (``/v1/staking/validator?index=``: the genesis validators 0..V-1, then
the validators that joined by transaction), as the rest of ``zkpov devnet --json`` names them;
its consensus index is only its place in one epoch's set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from zkpov.consensus.evidence_pool import get_evidence_round
from zkpov.devnet.epochs import MAX_PER_PAGE, get_registry
from zkpov.errors import ZkpovError
from zkpov.node.rpc.client import RpcClient
from zkpov.spec.codec.evidence import decode_evidence
from zkpov.spec.evidence import Evidence, get_evidence_epoch, get_evidence_kind, verify_evidence
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BLSPubkey, Epoch, Stake

__all__ = [
    "MAX_EVIDENCE_EPOCHS",
    "count_committed_evidence",
    "count_evidence",
    "decode_items",
    "get_epoch_set",
]

MAX_EVIDENCE_EPOCHS = 64  # distinct offence epochs whose sets are fetched (the rest: skipped)
Offence = tuple[str, int, int, int]  # (kind, offender's registry index, epoch, round)


def decode_items(items: Sequence[bytes]) -> list[Evidence]:
    """The items that decode as evidence; junk is skipped."""
    decoded = []
    for encoded in items:
        try:
            decoded.append(decode_evidence(encoded))
        except ZkpovError:
            continue
    return decoded


def count_evidence(
    items: Sequence[Evidence], sets: Mapping[int, ValidatorSet], registry: Sequence[bytes]
) -> set[Offence]:
    """The distinct offences ``items`` prove, each checked against ``sets[its epoch]`` (the
    committed sets by epoch) and its offender named by its key's place in ``registry``; an item
    without its epoch's set, that does not verify, or whose key is not registered is skipped."""
    offences: set[Offence] = set()
    for evidence in items:
        epoch = int(get_evidence_epoch(evidence))
        vset = sets.get(epoch)
        offender = None if vset is None else _verify(evidence, vset, registry)
        if offender is not None:
            kind, round_ = get_evidence_kind(evidence), int(get_evidence_round(evidence))
            offences.add((kind, offender, epoch, round_))
    return offences


def _verify(evidence: Evidence, vset: ValidatorSet, registry: Sequence[bytes]) -> int | None:
    """The offender's registry index, if ``evidence`` holds against ``vset``."""
    try:
        pubkey = bytes(vset.pubkeys[verify_evidence(evidence, vset)])
    except ZkpovError:
        return None
    return registry.index(pubkey) if pubkey in registry else None


def _from_hex(item: object) -> bytes:
    try:
        return bytes.fromhex(item) if isinstance(item, str) else b""
    except ValueError:
        return b""  # not evidence: skipped when decoded


async def _read_items(client: RpcClient, height: int) -> list[bytes]:
    """The evidence items (encoded) of the node's committed blocks 1..``height``."""
    items: list[bytes] = []
    for h in range(1, height + 1):
        block = await client.get("/block", height=h) or {}
        items += [_from_hex(item) for item in block.get("evidence", [])]
    return items


async def get_epoch_set(client: RpcClient, epoch: int, base: ValidatorSet) -> ValidatorSet | None:
    """Epoch ``epoch``'s committed set as ``client`` serves it (keys and voting powers), with
    ``base``'s scheme and config; None if not served or not a valid set."""
    answer = await client.get("/validators", epoch=epoch, per_page=MAX_PER_PAGE)
    try:
        members = (answer or {})["validators"]
        pubkeys = tuple(BLSPubkey(bytes.fromhex(v["pubkey"])) for v in members)
        stakes = tuple(Stake(int(v["voting_power"])) for v in members)
        return ValidatorSet(Epoch(epoch), pubkeys, stakes, base.scheme, base.config)
    except (KeyError, TypeError, ValueError, ZkpovError):
        return None


async def count_committed_evidence(
    client: RpcClient, height: int, base: ValidatorSet
) -> dict[str, dict[str, int]]:
    """``{offender's registry index: {kind: offences}}`` over the node's committed blocks
    1..``height``; ``base`` (the genesis set) gives the signature scheme and config."""
    decoded = decode_items(await _read_items(client, height))
    epochs = sorted({int(get_evidence_epoch(e)) for e in decoded})[:MAX_EVIDENCE_EPOCHS]
    sets = {e: s for e in epochs if (s := await get_epoch_set(client, e, base)) is not None}
    registry = [bytes.fromhex(pk) for pk in await get_registry(client)]
    offences = count_evidence(decoded, sets, registry)
    counts = Counter((offender, kind) for kind, offender, _, _ in offences)
    out: dict[str, dict[str, int]] = {}
    for (offender, kind), n in sorted(counts.items()):
        out.setdefault(str(offender), {})[kind] = n
    return out
