"""A small untyped RPC client for the devnet, its load generator and the benches, which read a
few fields of many nodes' answers. Everything else (the CLI, scripts) uses the typed
:mod:`zkpov.client`."""

from __future__ import annotations

from typing import Any

import aiohttp

__all__ = ["RpcClient"]

TIMEOUT = aiohttp.ClientTimeout(total=10)


class RpcClient:
    """JSON over HTTP to one node; ``None`` for a 404."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session, self.base = session, base.rstrip("/")

    async def get(self, path: str, **params: Any) -> Any:
        async with self.session.get(f"{self.base}{path}", params=params, timeout=TIMEOUT) as resp:
            if resp.status == 404:
                return None
            resp.raise_for_status()
            return await resp.json()

    async def get_text(self, path: str) -> str:
        async with self.session.get(f"{self.base}{path}", timeout=TIMEOUT) as resp:
            resp.raise_for_status()
            return await resp.text()

    async def broadcast_tx(self, tx: bytes) -> Any:
        async with self.session.post(
            f"{self.base}/broadcast_tx", json={"tx": tx.hex()}, timeout=TIMEOUT
        ) as resp:
            return await resp.json()
