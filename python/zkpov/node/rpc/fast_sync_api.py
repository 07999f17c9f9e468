"""The fast-sync routes, ``/v1/fast_sync/checkpoint``, ``/state``, ``/ledger`` and ``/history``,
over a :class:`~zkpov.node.fast_sync.server.FastSyncServer` (what they carry:
:mod:`zkpov.node.fast_sync`).

Versioned under ``/v1`` because another node, not a person, reads them, and their shape is its
wire format. A chunk answer holds at most ``MAX_CHUNK_ACCOUNTS`` accounts; a ledger chunk at
most ``LEDGER_CHUNK_BYTES`` of the staking ledger's encoding; a history page at most
``MAX_PAGE_ENTRIES`` headers with their evidence, ``PAGE_BYTES`` in all.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from zkpov.consensus.evidence_pool import MAX_EVIDENCE_PER_PROPOSAL
from zkpov.node.fast_sync.history import MAX_PAGE_ENTRIES, PAGE_BYTES
from zkpov.node.fast_sync.history_wire import MAX_HEADER_BYTES, encode_history_page
from zkpov.node.fast_sync.ledger_chunks import (
    LEDGER_CHUNK_BYTES,
    MAX_LEDGER_CHUNKS,
    encode_ledger_chunk,
)
from zkpov.node.fast_sync.server import FastSyncServer
from zkpov.node.fast_sync.state_chunks import MAX_CHUNK_ACCOUNTS
from zkpov.node.fast_sync.wire import encode_checkpoint, encode_chunk
from zkpov.node.rpc.api import RpcError
from zkpov.node.rpc.params import MAX_HEIGHT, InvalidParamError, QueryParam, compute_bounded_int
from zkpov.node.rpc.schema import Route

__all__ = ["FAST_SYNC_KEY", "FAST_SYNC_ROUTES"]

FAST_SYNC_KEY = web.AppKey[FastSyncServer]("zkpov_fast_sync")
_MAX_LEVEL = 31


def _int_param(name: str, description: str, high: int) -> QueryParam[int]:
    schema = {"type": "integer", "minimum": 0, "maximum": high}
    return QueryParam(name, description, schema,
                      lambda text: compute_bounded_int(text, 0, high), required=True)  # fmt: skip


SYNC_HEIGHT = _int_param("height", "The checkpoint's height.", MAX_HEIGHT)
LEVEL = _int_param("level", "Tree level of the node, leaves at 0 (1 .. depth/2).", _MAX_LEVEL)
POSITION = _int_param("position", "The node's position in its level.", 2**62 - 1)
CHUNK = _int_param("index", "The ledger chunk's index (from 0).", MAX_LEDGER_CHUNKS - 1)
START = _int_param("start", "The height of the page's first (highest) block.", MAX_HEIGHT)


def _json(doc: Any) -> web.Response:
    return web.json_response(doc, dumps=lambda obj: json.dumps(obj, separators=(",", ":")))


async def on_checkpoint(request: web.Request) -> web.Response:
    checkpoint = request.app[FAST_SYNC_KEY].get_checkpoint()
    if checkpoint is None:
        raise RpcError(404, "no proven checkpoint with its accounts here yet")
    return _json(encode_checkpoint(checkpoint))


async def on_state(request: web.Request) -> web.Response:
    height = SYNC_HEIGHT.get_required(request)
    level, position = LEVEL.get_required(request), POSITION.get_required(request)
    try:
        chunk = request.app[FAST_SYNC_KEY].get_chunk(height, level, position)
    except ValueError as err:
        raise InvalidParamError(str(err)) from None
    if chunk is None:
        raise RpcError(404, f"no checkpoint at height {height} is served here now")
    return _json(encode_chunk(chunk))


async def on_ledger(request: web.Request) -> web.Response:
    height, index = SYNC_HEIGHT.get_required(request), CHUNK.get_required(request)
    chunk = request.app[FAST_SYNC_KEY].get_ledger_chunk(height, index)
    if chunk is None:
        raise RpcError(404, f"no ledger chunk {index} of a checkpoint at {height} is served here")
    return _json(encode_ledger_chunk(chunk))


async def on_history(request: web.Request) -> web.Response:
    height, start = SYNC_HEIGHT.get_required(request), START.get_required(request)
    page = request.app[FAST_SYNC_KEY].get_history_page(height, start)
    if page is None:
        raise RpcError(404, f"blocks {height} and {start} are not both retained here")
    return _json(encode_history_page(page))


def _hex(length: int | None = None) -> dict[str, Any]:
    pattern = "^([0-9a-f]{2})*$" if length is None else f"^[0-9a-f]{{{2 * length}}}$"
    return {"type": "string", "pattern": pattern}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    required = list(properties)
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}  # fmt: skip


_UINT = {"type": "integer", "minimum": 0}
_PROOF = _object({"height": _UINT, "proof": _hex()})
_CHECKPOINT = _object({
    "height": _UINT, "blocks": {"type": "array", "items": _hex()}, "commit_qc": _hex(),
    "epoch_changes": {"type": "array", "items": _hex()},
    "proofs": {"type": "array", "items": _PROOF},
})  # fmt: skip
_ACCOUNT = _object({"index": _UINT, "public_key": _hex(32), "balance": _UINT, "nonce": _UINT})
_CHUNK = _object({
    "height": _UINT, "level": _UINT, "position": _UINT,
    "accounts": {"anyOf": [{"type": "array", "items": _ACCOUNT,
                            "maxItems": MAX_CHUNK_ACCOUNTS}, {"type": "null"}]},
    "children": {"anyOf": [{"type": "array", "items": _hex(32), "minItems": 4, "maxItems": 4},
                           {"type": "null"}]},
})  # fmt: skip
_LEDGER_CHUNK = _object({
    "height": _UINT, "index": _UINT,
    "count": {**_UINT, "minimum": 1, "maximum": MAX_LEDGER_CHUNKS},
    "total_bytes": {**_UINT, "maximum": MAX_LEDGER_CHUNKS * LEDGER_CHUNK_BYTES},
    "data": {**_hex(), "maxLength": 2 * LEDGER_CHUNK_BYTES},
})  # fmt: skip
_HISTORY_ENTRY = _object({
    "header": {**_hex(), "maxLength": 2 * MAX_HEADER_BYTES},
    "evidence": {"type": "array", "items": _hex(), "maxItems": MAX_EVIDENCE_PER_PROPOSAL},
})  # fmt: skip
_HISTORY = _object({
    "height": _UINT, "start": _UINT,
    "entries": {"type": "array", "items": _HISTORY_ENTRY, "minItems": 1,
                "maxItems": MAX_PAGE_ENTRIES},
})  # fmt: skip

FAST_SYNC_ROUTES = (
    Route("GET", "/v1/fast_sync/checkpoint", "fast_sync_checkpoint",
          "The latest proven-final block a 2-chain commits: its blocks, commit QC, epoch-change"
          " chain from genesis (encoded epoch endings) and the validity proofs of its blocks.",
          on_checkpoint, _CHECKPOINT, errors=(404, 503)),
    Route("GET", "/v1/fast_sync/state", "fast_sync_state",
          "One node of the account tree at a checkpoint: its accounts, or its four children.",
          on_state, _CHUNK, (SYNC_HEIGHT, LEVEL, POSITION), errors=(400, 404, 503)),
    Route("GET", "/v1/fast_sync/ledger", "fast_sync_ledger",
          "One chunk (1 MiB) of the staking ledger's encoding at a checkpoint; the whole hashes"
          " to the checkpoint header's staking_root.",
          on_ledger, _LEDGER_CHUNK, (SYNC_HEIGHT, CHUNK), errors=(400, 404, 503)),
    Route("GET", "/v1/fast_sync/history", "fast_sync_history",
          "Committed block headers with their evidence, from height start down to the first"
          " block 1,024 rounds below the checkpoint at height (or block 1): what the offence"
          f" index is rebuilt from. At most {MAX_PAGE_ENTRIES} blocks and {PAGE_BYTES} bytes a"
          " page (always one block); the rest from the next page.",
          on_history, _HISTORY, (SYNC_HEIGHT, START), errors=(400, 404, 503)),
)  # fmt: skip
