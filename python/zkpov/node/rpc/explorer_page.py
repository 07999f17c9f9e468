"""The block explorer: ``GET /`` and its assets, static files shipped in the package.

The page (``explorer/index.html``, ``explorer.css`` and the ES modules ``explorer.js``,
``decode.js``, ``node.js``, ``dom.js``, ``pages.js``; no build step, nothing fetched from
elsewhere) reads the node's own RPC from the browser: ``/status``, ``/validators``, ``/block``,
``/commit``, ``/tx``, ``/account``, ``/light/proof``, and ``/events`` for live heights. Only
these fixed names are served (no file path comes from the request), each with its content type
and a Content-Security-Policy that lets the page load nothing but this node's own scripts,
styles and RPC.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from aiohttp import web

from zkpov.node.rpc.schema import Handler

__all__ = [
    "ASSETS", "CONTENT_SECURITY_POLICY", "Asset", "get_asset_bytes", "make_asset_handler",
]  # fmt: skip

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@dataclass(frozen=True)
class Asset:
    """One served file: its URL path, its name in the ``explorer`` folder, its media type."""

    path: str
    name: str
    content_type: str


ASSETS = (
    Asset("/", "index.html", "text/html"),
    Asset("/explorer/explorer.css", "explorer.css", "text/css"),
    *(
        Asset(f"/explorer/{name}", name, "text/javascript")  # ES modules, imported by name
        for name in ("explorer.js", "decode.js", "node.js", "dom.js", "pages.js")
    ),
)


@cache
def get_asset_bytes(name: str) -> bytes:
    """The bytes of ``explorer/<name>`` from the installed package (read once)."""
    return (resources.files("zkpov.node.rpc") / "explorer" / name).read_bytes()


def make_asset_handler(asset: Asset) -> Handler:
    """The handler that serves ``asset``: its file is fixed here, never named by the request."""

    async def on_asset(request: web.Request) -> web.Response:
        return web.Response(
            body=get_asset_bytes(asset.name), content_type=asset.content_type, charset="utf-8",
            headers=_SECURITY_HEADERS,
        )  # fmt: skip

    return on_asset
