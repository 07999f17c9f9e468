"""The versioned light-client routes (``/v1/light/...``): what ``zkpov.light`` needs to follow
finality and proven state from outside, each answer capped.

- ``bootstrap?epoch=``: the validator set (keys and stakes) of an epoch and its commitment (an
  earlier epoch's from the previous epoch's ending, when the node holds it).
- ``updates?from_epoch=``: the epoch changes since an epoch (at most 64), each an epoch-ending
  header, its suffix, its commit QC and the next set (:mod:`zkpov.node.rpc.epoch_changes`), from
  ``NodeView.get_epoch_change_proof`` (a node without epochs has none).
- ``finalized``: a committed header with the 2-chain QC that committed it.
- ``headers?from=&to=``: committed headers of consecutive heights, at most ``MAX_HEADERS``.
- ``proofs?from=&to=``: the validity proofs held for at most ``MAX_PROOFS`` heights, with their
  public inputs. A height without one is skipped: a block without transfers needs no proof (its
  state root is its parent's), and a node does not hold a proof it has not verified yet.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from zkpov.node.rpc import codec
from zkpov.node.rpc.epoch_changes import (
    MAX_NEXT_VALIDATORS,
    MAX_SUFFIX_HEADERS,
    MAX_UPDATES,
    encode_epoch_updates,
    get_epoch_update,
)
from zkpov.node.rpc.params import MAX_HEIGHT, QueryParam, compute_bounded_int
from zkpov.node.rpc.schema import Route, ref
from zkpov.node.rpc.view import NodeView, ValidatorsRecord
from zkpov.spec.validators import compute_validator_set_commitment
from zkpov.types import Epoch, Height

__all__ = ["MAX_HEADERS", "MAX_PROOFS", "encode_bootstrap", "make_light_routes"]

MAX_PROOFS = 16  # heights per /v1/light/proofs answer
MAX_HEADERS = 64  # headers per /v1/light/headers answer
NotFound = Callable[[str], Exception]
_UINT = {"type": "integer", "minimum": 0}
_HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_DECIMAL = {"type": "string", "pattern": "^[0-9]+$"}


def _uint_param(name: str, description: str, required: bool, low: int = 0) -> QueryParam[int]:
    schema = {"type": "integer", "minimum": low, "maximum": MAX_HEIGHT}
    parse: Callable[[str], int] = lambda text: compute_bounded_int(text, low, MAX_HEIGHT)  # noqa: E731
    return QueryParam(name, description, schema, parse, required)


EPOCH = _uint_param("epoch", "Epoch; the current epoch when absent.", False)
FROM_EPOCH = _uint_param("from_epoch", "The epoch the client trusts.", True)
FROM = _uint_param("from", "First height.", True, low=1)
TO = _uint_param("to", "Last height; a longer range is cut to the route's cap.", False, low=1)


def _json(doc: Any) -> web.Response:
    return web.json_response(doc, dumps=lambda obj: json.dumps(obj, separators=(",", ":")))


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    required = list(properties)
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}  # fmt: skip


def _get_current_set(view: NodeView, epoch: int | None, missing: NotFound) -> ValidatorsRecord:
    record = view.get_validators(None)
    if record is None or (epoch is not None and epoch != record.epoch):
        current = None if record is None else record.epoch
        raise missing(f"no validator set of epoch {epoch} here; the current epoch is {current}")
    return record


def encode_bootstrap(
    epoch: int, pubkeys: Sequence[bytes], stakes: Sequence[int], genesis_hash: bytes
) -> dict[str, Any]:
    commitment = compute_validator_set_commitment(epoch, pubkeys, stakes)
    return {
        "genesis_hash": genesis_hash.hex(), "epoch": epoch,
        "validators": [
            {"pubkey": bytes(key).hex(), "stake": str(stake)}
            for key, stake in zip(pubkeys, stakes, strict=True)
        ],
        "total_stake": str(sum(stakes)), "validator_set_commitment": commitment.hex(),
    }  # fmt: skip


def _get_bootstrap(view: NodeView, epoch: int | None, missing: NotFound) -> dict[str, Any]:
    """Epoch ``epoch``'s set (the current one's when None) as its headers commit to it: the
    next set of the previous epoch's ending, or the current set (epoch 0, or no ending held).
    (The staking ledger's view of the current set can differ in its stakes from the set its
    ending committed to, and only the committed one is what a checkpoint names.)"""
    genesis_hash = view.get_genesis().genesis_hash
    record = view.get_validators(None)
    wanted = record.epoch if epoch is None and record is not None else epoch
    proof = view.get_epoch_change_proof(Epoch(wanted - 1)) if wanted else None
    next_set = None if proof is None else proof.endings[0].next_set
    if next_set is not None and next_set.epoch == wanted:
        return encode_bootstrap(next_set.epoch, next_set.pubkeys, next_set.stakes, genesis_hash)
    if record is None or wanted != record.epoch:
        current = None if record is None else record.epoch
        raise missing(f"no validator set of epoch {epoch} here; the current epoch is {current}")
    stakes = [int(info.power) for info in record.validators]
    pubkeys = [info.pubkey for info in record.validators]
    return encode_bootstrap(record.epoch, pubkeys, stakes, genesis_hash)


def make_light_routes(
    get_view: Callable[[web.Request], NodeView], missing: NotFound
) -> tuple[Route, ...]:
    """The ``/v1/light`` routes over the view ``get_view`` finds in a request; ``missing``
    makes the exception the application answers with 404."""

    async def on_bootstrap(request: web.Request) -> web.Response:
        return _json(_get_bootstrap(get_view(request), EPOCH.get(request), missing))

    async def on_updates(request: web.Request) -> web.Response:
        start = FROM_EPOCH.get_required(request)
        current = _get_current_set(get_view(request), None, missing).epoch
        if start > current:
            raise missing(f"from_epoch {start} is above the current epoch {current}")
        proof = get_view(request).get_epoch_change_proof(Epoch(start))
        endings = () if proof is None else proof.endings
        updates = [get_epoch_update(ending) for ending in endings[:MAX_UPDATES]]
        return _json(encode_epoch_updates(start, current, updates))

    async def on_finalized(request: web.Request) -> web.Response:
        return _json(codec.encode_finalized(get_view(request).get_finalized()))

    async def on_headers(request: web.Request) -> web.Response:
        view, first = get_view(request), FROM.get_required(request)
        last = min(TO.get(request) or MAX_HEIGHT, first + MAX_HEADERS - 1)
        headers = []
        for height in range(first, last + 1):
            record = view.get_block(Height(height))
            if record is None:
                break
            headers.append(codec.encode_header(record.block.header))
        return _json({"headers": headers})

    async def on_proofs(request: web.Request) -> web.Response:
        view, first = get_view(request), FROM.get_required(request)
        last = min(TO.get(request) or MAX_HEIGHT, first + MAX_PROOFS - 1)
        proofs = []
        for height in range(first, last + 1):
            record = view.get_proof(Height(height))
            if record is not None:
                proofs.append(codec.encode_proof(record))
        proven = view.get_status().sync.proven_final_height
        return _json({"proven_final_height": proven, "proofs": proofs})

    return _describe(on_bootstrap, on_updates, on_finalized, on_headers, on_proofs)


def _describe(*handlers: Any) -> tuple[Route, ...]:
    on_bootstrap, on_updates, on_finalized, on_headers, on_proofs = handlers
    validator = _object({"pubkey": {"type": "string", "pattern": "^[0-9a-f]{96}$"},
                         "stake": _DECIMAL})  # fmt: skip
    bootstrap = _object({
        "genesis_hash": _HASH, "epoch": _UINT,
        "validators": {"type": "array", "items": validator},
        "total_stake": _DECIMAL, "validator_set_commitment": _HASH,
    })  # fmt: skip
    update = _object({"header": ref("Header"),
                      "suffix": {"type": "array", "items": ref("Header"),
                                 "maxItems": MAX_SUFFIX_HEADERS},
                      "commit_certificate": ref("QuorumCert"),
                      "next_validators": {"type": "array", "items": validator, "minItems": 1,
                                          "maxItems": MAX_NEXT_VALIDATORS}})  # fmt: skip
    updates = _object({"from_epoch": _UINT, "current_epoch": _UINT,
                       "updates": {"type": "array", "items": update,
                                   "maxItems": MAX_UPDATES}})  # fmt: skip
    proofs = _object({"proven_final_height": {"anyOf": [_UINT, {"type": "null"}]},
                      "proofs": {"type": "array", "items": ref("Proof"),
                                 "maxItems": MAX_PROOFS}})  # fmt: skip
    headers = _object({"headers": {"type": "array", "items": ref("Header"),
                                   "maxItems": MAX_HEADERS}})  # fmt: skip
    return (
        Route("GET", "/v1/light/headers", "light_headers",
              f"Committed headers of heights from..to (cut to {MAX_HEADERS}), stopping at the"
              " first height not held (above the tip, or pruned).",
              on_headers, headers, (FROM, TO), errors=(400, 503)),
        Route("GET", "/v1/light/bootstrap", "light_bootstrap",
              "The validator set (keys, stakes) of an epoch and its commitment: the current"
              " one, or an earlier one the node holds the previous epoch's ending for.",
              on_bootstrap, bootstrap, (EPOCH,), errors=(400, 404, 503)),
        Route("GET", "/v1/light/updates", "light_updates",
              f"Epoch changes since an epoch (at most {MAX_UPDATES}): the epoch-ending header,"
              " the suffix headers up to the one its commit QC commits, that QC, and the next"
              " set's keys and stakes (empty while the node persists no endings).",
              on_updates, updates, (FROM_EPOCH,), errors=(400, 404, 503)),
        Route("GET", "/v1/light/finalized", "light_finalized_v1",
              "A committed header with the 2-chain QC that committed it (a QC on its child,"
              " one round later) and the validator-set commitment.",
              on_finalized, ref("Finalized")),
        Route("GET", "/v1/light/proofs", "light_proofs",
              f"The validity proofs (with public inputs) held for heights from..to (cut to"
              f" {MAX_PROOFS} heights); heights without one are skipped (empty blocks need none).",
              on_proofs, proofs, (FROM, TO), errors=(400, 503)),
    )  # fmt: skip
