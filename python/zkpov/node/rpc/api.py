"""The RPC's routes (CometBFT-like names): one handler per route over any :class:`NodeView`.

The routes are listed once (``get_routes``): :mod:`zkpov.node.rpc.app` mounts them and
``/openapi.json`` describes them. A handler answers 200 (JSON; an event stream for ``/events``,
Prometheus text for ``/metrics``) or raises :class:`RpcError` (404 for an unknown height,
transaction or page, 415 for a body that is not JSON), ``InvalidParamError`` (400) or
``NodeUnavailableError`` (503), which the application turns into its JSON error shape.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from zkpov.crypto.vk_json import encode_vk_json
from zkpov.node.rpc import codec
from zkpov.node.rpc.explorer_page import ASSETS, make_asset_handler
from zkpov.node.rpc.light_api import make_light_routes
from zkpov.node.rpc.metrics import NodeMetrics
from zkpov.node.rpc.params import (
    ACCOUNT,
    DEFAULT_PER_PAGE,
    EPOCH,
    EVENT_TYPES,
    HASH,
    HEIGHT,
    PAGE,
    PER_PAGE,
    PROOF,
    PROOF_HEIGHT,
    TX_BODY_SCHEMA,
    parse_tx_body,
)
from zkpov.node.rpc.schema import VERIFYING_KEY_SCHEMA, Route, ref
from zkpov.node.rpc.server import RpcConfig
from zkpov.node.rpc.staking_api import make_staking_routes
from zkpov.node.rpc.stream import stream_events
from zkpov.node.rpc.view import (
    AccountQueryError,
    EventKind,
    EventSubscription,
    NodeView,
    ValidatorsRecord,
)
from zkpov.types import Height

__all__ = [
    "CONFIG_KEY",
    "METRICS_KEY",
    "OPENAPI_KEY",
    "STREAMS_KEY",
    "VIEW_KEY",
    "RpcError",
    "compute_missing_message",
    "get_routes",
]

VIEW_KEY = web.AppKey[NodeView]("zkpov_view")
METRICS_KEY = web.AppKey[NodeMetrics]("zkpov_metrics")
CONFIG_KEY = web.AppKey[RpcConfig]("zkpov_rpc_config")
OPENAPI_KEY = web.AppKey[str]("zkpov_openapi")
STREAMS_KEY = web.AppKey[set[EventSubscription]]("zkpov_streams")


class RpcError(Exception):
    """An answer other than 200, with the status and message the client gets."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _json(doc: Any) -> web.Response:
    return web.json_response(doc, dumps=lambda obj: json.dumps(obj, separators=(",", ":")))


def _view(request: web.Request) -> NodeView:
    return request.app[VIEW_KEY]


def compute_missing_message(view: NodeView, height: Height | None, what: str) -> str:
    """Why there is no ``what`` at ``height``: above the tip, pruned, or simply not there."""
    if height is None:
        return f"no {what} yet"
    sync = view.get_status().sync
    if height > sync.latest_height:
        return f"height {height} is above the latest committed height {sync.latest_height}"
    if height < sync.earliest_height:
        return f"height {height} is pruned; the earliest kept height is {sync.earliest_height}"
    return f"no {what} at height {height}"


async def on_health(request: web.Request) -> web.Response:
    return _json({})


async def on_status(request: web.Request) -> web.Response:
    return _json(codec.encode_status(_view(request).get_status()))


async def on_net_info(request: web.Request) -> web.Response:
    return _json(codec.encode_net_info(_view(request).get_net_info()))


async def on_block(request: web.Request) -> web.Response:
    height, view = HEIGHT.get(request), _view(request)
    record = view.get_block(height)
    if record is None:
        raise RpcError(404, compute_missing_message(view, height, "block"))
    return _json(codec.encode_block(record))


async def on_commit(request: web.Request) -> web.Response:
    height, view = HEIGHT.get(request), _view(request)
    record = view.get_commit(height)
    if record is None:
        raise RpcError(404, compute_missing_message(view, height, "commit"))
    return _json(codec.encode_commit(record))


async def on_validators(request: web.Request) -> web.Response:
    height, epoch, view = HEIGHT.get(request), EPOCH.get(request), _view(request)
    record = _get_validators(view, height, epoch)
    page, per_page = PAGE.get(request) or 1, PER_PAGE.get(request) or DEFAULT_PER_PAGE
    pages = max(1, -(-len(record.validators) // per_page))
    if page > pages:
        raise RpcError(404, f"page {page} does not exist; there are {pages} pages")
    chosen = record.validators[(page - 1) * per_page : page * per_page]
    return _json(codec.encode_validators(record, chosen))


def _get_validators(view: NodeView, height: Height | None, epoch: int | None) -> ValidatorsRecord:
    """By ``height`` (its epoch's set), by ``epoch``, or by both if the height is in it."""
    if epoch is None or height is not None:
        record = view.get_validators(height)
        if record is None:
            raise RpcError(404, compute_missing_message(view, height, "validator set"))
        if epoch is not None and record.epoch != epoch:
            raise RpcError(404, f"height {height} is in epoch {record.epoch}, not {epoch}")
        return record
    by_epoch = view.get_epoch_validators(epoch)
    if by_epoch is None:
        raise RpcError(404, f"epoch {epoch} is not known to this node (not reached, or never)")
    return by_epoch


async def on_genesis(request: web.Request) -> web.Response:
    record = _view(request).get_genesis()
    text = f'{{"genesis_hash":"{record.genesis_hash.hex()}","genesis":{record.document}}}'
    return web.Response(text=text, content_type="application/json")


async def on_tx(request: web.Request) -> web.Response:
    tx_hash = HASH.get_required(request)
    record = _view(request).get_tx(tx_hash)
    if record is None:
        raise RpcError(
            404, f"transaction {tx_hash.hex()} is unknown here: not pending, not committed"
            " (or pruned), not recently refused or dropped",
        )  # fmt: skip
    return _json(codec.encode_tx(record))


async def on_account(request: web.Request) -> web.Response:
    key = ACCOUNT.get(request)
    try:
        record = _view(request).get_account(key, PROOF.get(request) or False)
    except AccountQueryError as err:
        raise RpcError(404, str(err)) from None
    return _json(codec.encode_account(record))


async def on_broadcast_tx(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        raise RpcError(415, f"body must be application/json, not {request.content_type}")
    tx = parse_tx_body(await request.read())  # over client_max_size: HTTP 413
    result = await _view(request).broadcast_tx(tx)
    return _json(codec.encode_broadcast(result))


async def on_finalized(request: web.Request) -> web.Response:
    return _json(codec.encode_finalized(_view(request).get_finalized()))


async def on_proof(request: web.Request) -> web.Response:
    height, view = PROOF_HEIGHT.get(request), _view(request)
    record = view.get_proof(height)
    if record is None:
        proven = view.get_status().sync.proven_final_height
        asked = "yet" if height is None else f"for height {height}"
        raise RpcError(404, f"no validity proof {asked}; the proven-final height is {proven}")
    return _json(codec.encode_proof(record))


async def on_circuit_vk(request: web.Request) -> web.Response:
    points = _view(request).get_verifying_key()
    if points is None:
        raise RpcError(404, "this node loads no circuit keys (it neither proves nor checks proofs)")
    return _json(encode_vk_json(points))


async def on_events(request: web.Request) -> web.StreamResponse:
    kinds = EVENT_TYPES.get(request) or frozenset(EventKind)
    subscription = _view(request).subscribe(kinds)  # NodeUnavailableError when full: 503
    heartbeat, streams = request.app[CONFIG_KEY].sse_heartbeat_seconds, request.app[STREAMS_KEY]
    streams.add(subscription)
    try:
        return await stream_events(request, subscription, heartbeat)
    finally:
        streams.discard(subscription)


async def on_openapi(request: web.Request) -> web.Response:
    return web.Response(text=request.app[OPENAPI_KEY], content_type="application/json")


async def on_metrics(request: web.Request) -> web.Response:
    body, content_type = request.app[METRICS_KEY].render(request.headers.get("Accept", ""))
    return web.Response(body=body, headers={"Content-Type": content_type})


_TEXT = {"type": "string"}
_CHAIN_ROUTES = (
    Route("GET", "/status", "status", "Node identity, chain tip, sync state.",
          on_status, ref("Status")),
    Route("GET", "/net_info", "net_info", "Listening address and connected peers.",
          on_net_info, ref("NetInfo")),
    Route("GET", "/block", "block", "A committed block and its transactions.",
          on_block, ref("Block"), (HEIGHT,), errors=(400, 404, 503)),
    Route("GET", "/commit", "commit", "A committed header and the certificates that commit it.",
          on_commit, ref("Commit"), (HEIGHT,), errors=(400, 404, 503)),
    Route("GET", "/validators", "validators",
          "The committed validator set signing at a height (or of an epoch), paged, with each"
          " validator's live staking-ledger stake.",
          on_validators, ref("Validators"), (HEIGHT, EPOCH, PAGE, PER_PAGE),
          errors=(400, 404, 503)),
    Route("GET", "/genesis", "genesis", "The genesis document and its hash.",
          on_genesis, ref("Genesis")),
    Route("GET", "/tx", "tx", "A transaction's status by hash: committed, pending or dropped.",
          on_tx, ref("Tx"), (HASH,), errors=(400, 404, 503)),
    Route("GET", "/account", "account",
          "An account's committed balance and nonce, its next nonce after pending transfers,"
          " and optionally a Merkle proof against the committed state root.",
          on_account, ref("Account"), (ACCOUNT, PROOF), errors=(400, 404, 503)),
    Route("POST", "/broadcast_tx", "broadcast_tx", "Submit a transaction to the mempool.",
          on_broadcast_tx, ref("BroadcastResult"), body=TX_BODY_SCHEMA,
          errors=(400, 413, 415, 503)),
    Route("GET", "/light/finalized", "light_finalized",
          "Unversioned alias of /v1/light/finalized.",
          on_finalized, ref("Finalized")),
    Route("GET", "/light/proof", "light_proof", "The validity proof of a height, if proven.",
          on_proof, ref("Proof"), (PROOF_HEIGHT,), errors=(400, 404, 503)),
    Route("GET", "/v1/circuit/vk", "circuit_vk",
          "The circuit's Groth16 verifying key as zkpov-groth16-vk/1 JSON: hex affine"
          " coordinates, circuit id, public input count and the SHA-256 of the key's bytes.",
          on_circuit_vk, VERIFYING_KEY_SCHEMA, errors=(404, 503)),
    Route("GET", "/events", "events",
          "Server-Sent Events: new_block, finalized, proven_final, slashed, rewards.",
          on_events, _TEXT, (EVENT_TYPES,), content_type="text/event-stream",
          errors=(400, 503)),
)  # fmt: skip
_EMPTY = {"type": "object", "additionalProperties": False}
_HEALTH = Route("GET", "/health", "health", "Liveness: 200 while the node serves RPC.",
                on_health, _EMPTY, errors=())  # fmt: skip
_OPENAPI = Route("GET", "/openapi.json", "openapi", "This OpenAPI description.",
                 on_openapi, {"type": "object"}, errors=())  # fmt: skip
_METRICS = Route("GET", "/metrics", "metrics", "Prometheus metrics (text or OpenMetrics).",
                 on_metrics, _TEXT, content_type="text/plain", errors=())  # fmt: skip


_EXPLORER_ROUTES = tuple(
    Route("GET", asset.path, f"explorer_{asset.name.replace('.', '_')}",
          f"The block explorer page's {asset.name} (static, in the package).",
          make_asset_handler(asset), _TEXT, content_type=asset.content_type, errors=())
    for asset in ASSETS
)  # fmt: skip


def get_routes(with_metrics: bool) -> tuple[Route, ...]:
    """Every route the app serves; ``/metrics`` only when the node keeps metrics."""
    metrics = (_METRICS,) if with_metrics else ()
    light = make_light_routes(_view, lambda message: RpcError(404, message))
    staking = make_staking_routes(_view, lambda message: RpcError(404, message))
    return (_HEALTH, *_CHAIN_ROUTES, *light, *staking, _OPENAPI, *metrics, *_EXPLORER_ROUTES)
