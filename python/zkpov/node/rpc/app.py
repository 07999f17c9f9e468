"""The RPC application: the routes of :mod:`zkpov.node.rpc.api`, their OpenAPI description, and
one error shape for every failure.

``create_app(view)`` builds an aiohttp application over any :class:`NodeView`;
:class:`~zkpov.node.rpc.server.RpcServer` serves it, on loopback unless told otherwise.

Errors are JSON ``{"error": {"code": <HTTP status>, "message": "<what was wrong>"}}``: 400 for a
bad parameter or body, 404 for an unknown route, height or transaction, 413 for a body over the
cap, 415 for a body that is not JSON, 503 when the node cannot answer. Client input never gives
a 500; a 500 means a bug in the node, and its details go to the log, not to the client.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from zkpov.node.fast_sync.server import FastSyncServer
from zkpov.node.rpc.api import (
    CONFIG_KEY,
    METRICS_KEY,
    OPENAPI_KEY,
    STREAMS_KEY,
    VIEW_KEY,
    RpcError,
    get_routes,
)
from zkpov.node.rpc.fast_sync_api import FAST_SYNC_KEY, FAST_SYNC_ROUTES
from zkpov.node.rpc.metrics import NodeMetrics
from zkpov.node.rpc.params import InvalidParamError
from zkpov.node.rpc.schema import build_openapi
from zkpov.node.rpc.server import RpcConfig, limit_body_time
from zkpov.node.rpc.view import EventSubscription, NodeUnavailableError, NodeView

__all__ = ["RPC_VERSION", "compute_http_error_message", "create_app"]

RPC_VERSION = "0.1.0"
_log = logging.getLogger(__name__)


def _error_response(status: int, message: str) -> web.Response:
    return web.json_response({"error": {"code": status, "message": message}}, status=status)


@web.middleware
async def on_error(request: web.Request, handler: Any) -> web.StreamResponse:
    """Turn every failure into the JSON error shape; never leak a traceback."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except RpcError as exc:
        return _error_response(exc.status, exc.message)
    except InvalidParamError as exc:
        return _error_response(400, str(exc))
    except NodeUnavailableError as exc:
        return _error_response(503, str(exc) or "node unavailable")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _http_error_response(request, exc)
    except Exception:
        _log.exception("RPC handler failed on %s %s", request.method, request.path)
        return _error_response(500, "internal error")


def _http_error_response(request: web.Request, exc: web.HTTPException) -> web.Response:
    """aiohttp's refusal in the JSON shape; a 405 keeps its ``Allow`` header, and a refusal
    that asks for ``Connection: close`` (a body too slow) closes the connection."""
    response = _error_response(exc.status, compute_http_error_message(request, exc))
    if "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    if exc.headers.get("Connection") == "close":
        response.force_close()
    return response


def compute_http_error_message(request: web.Request, exc: web.HTTPException) -> str:
    """What aiohttp's own refusals mean, in words a client can act on."""
    path = request.path[:200]
    if isinstance(exc, web.HTTPNotFound):
        return f"no route {path}; GET /openapi.json lists the routes"
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return f"{request.method[:20]} is not allowed on {path}; use {sorted(exc.allowed_methods)}"
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return f"body too large: at most {request.app[CONFIG_KEY].max_body_bytes} bytes"
    return exc.reason


async def _on_shutdown(app: web.Application) -> None:
    streams: set[EventSubscription] = app[STREAMS_KEY]
    for subscription in list(streams):
        subscription.close()  # each open /events stream ends and its handler returns


def create_app(
    view: NodeView, *, metrics: NodeMetrics | None = None, config: RpcConfig | None = None,
    fast_sync: FastSyncServer | None = None,
) -> web.Application:  # fmt: skip
    """The RPC application over ``view``; serves ``/metrics`` when ``metrics`` is given, and
    ``/v1/fast_sync`` when ``fast_sync`` is."""
    config = config or RpcConfig()
    middlewares = [on_error, limit_body_time(config.body_timeout)]
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=middlewares)
    routes = get_routes(with_metrics=metrics is not None)
    if fast_sync is not None:
        routes, app[FAST_SYNC_KEY] = (*routes, *FAST_SYNC_ROUTES), fast_sync
    app[VIEW_KEY], app[CONFIG_KEY] = view, config
    app[OPENAPI_KEY] = json.dumps(build_openapi(routes, RPC_VERSION))
    app[STREAMS_KEY] = set()
    if metrics is not None:
        app[METRICS_KEY] = metrics
    for route in routes:
        app.router.add_route(route.method, route.path, route.handler)
    app.on_shutdown.append(_on_shutdown)
    return app
