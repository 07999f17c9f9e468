"""The explorer's routes: the fixed files (ASSETS), their types and Content-Security-Policy, no
other file reachable, and assets that a strict CSP lets run (no inline code, nothing external).
The page in a real browser: tests/node/rpc/test_explorer_browser.py."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.node.rpc.fake_view import FakeNode
from tests.node.rpc.helpers import get_json, with_client
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.explorer_page import ASSETS, CONTENT_SECURITY_POLICY, get_asset_bytes


def _fetch(path: str) -> tuple[int, dict[str, str], bytes]:
    found: list[tuple[int, dict[str, str], bytes]] = []

    async def fn(client: TestClient[Any, Any]) -> None:
        response = await client.get(path)
        found.append((response.status, dict(response.headers), await response.read()))

    with_client(fn)
    return found[0]


@pytest.mark.parametrize("asset", ASSETS, ids=[asset.name for asset in ASSETS])
def test_each_asset_is_served_with_its_type_and_csp(asset: Any) -> None:
    status, headers, body = _fetch(asset.path)
    assert status == 200
    assert headers["Content-Type"] == f"{asset.content_type}; charset=utf-8"
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert body == get_asset_bytes(asset.name) and len(body) > 500


def test_the_page_loads_only_its_own_assets() -> None:
    html = get_asset_bytes("index.html").decode()
    assert re.findall(r'(?:src|href)="(/[^"]*)"', html) == [
        "/explorer/explorer.css", "/explorer/explorer.js",
    ]  # fmt: skip
    for asset in ASSETS:
        source = get_asset_bytes(asset.name).decode()
        assert "http://" not in source and "https://" not in source  # no CDN, no external fetch
    assert "<script>" not in html and " style=" not in html  # CSP: no inline code or style
    assert re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE) is None  # no inline handlers


def test_the_scripts_write_text_never_markup() -> None:
    for asset in ASSETS:
        if asset.content_type != "text/javascript":
            continue
        lines = get_asset_bytes(asset.name).decode().splitlines()
        script = "\n".join(line for line in lines if not line.lstrip().startswith("//"))
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in script, (asset.name, sink)
        assert "new Function" not in script and 'setTimeout("' not in script


def test_every_imported_module_is_served() -> None:
    served = {asset.path for asset in ASSETS}
    imported = set()
    for asset in ASSETS:
        if asset.content_type == "text/javascript":
            source = get_asset_bytes(asset.name).decode()
            imported |= set(re.findall(r'from "\./([a-z]+\.js)"', source))
    assert imported and {f"/explorer/{name}" for name in imported} <= served


async def _raw_get(port: int, target: str) -> tuple[int, bytes]:
    """``GET target`` sent byte for byte (no client normalizes the path first)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    reply = await reader.read()
    writer.close()
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


TRAVERSALS = (
    "/explorer/../../../../etc/passwd", "/explorer/..%2f..%2f..%2fetc%2fpasswd",
    "/explorer/%2e%2e/%2e%2e/api.py", "/explorer/explorer.js/../../api.py", "/explorer/",
    "/explorer/index.html", "/explorer/api.py", "/explorer/explorer.js%00.py", "/index.html",
    "/explorer/..\\..\\api.py", "/explorer/explorer.css/", "/explorer/EXPLORER.JS",
)  # fmt: skip


def test_no_other_file_is_reachable() -> None:
    found: dict[str, tuple[int, bytes]] = {}

    async def main() -> None:
        async with TestServer(create_app(FakeNode())) as server:
            for target in TRAVERSALS:
                found[target] = await _raw_get(server.port, target)

    asyncio.run(main())
    for target, (status, body) in found.items():
        assert status in (400, 404), (target, status)
        assert b"root:" not in body and b"import" not in body, target


def test_the_routes_are_in_the_openapi_document() -> None:
    _, spec = get_json("/openapi.json")
    for asset in ASSETS:
        content = spec["paths"][asset.path]["get"]["responses"]["200"]["content"]
        assert list(content) == [asset.content_type]
