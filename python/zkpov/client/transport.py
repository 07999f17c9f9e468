"""HTTP to one node: bounded reads, JSON parsing, and typed errors for non-200 answers."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from zkpov.errors import RpcAnswerError, RpcStatusError

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "Transport"]

DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
_MAX_ERROR_BYTES = 4096


class Transport:
    """JSON requests to ``base``; answers larger than ``max_bytes`` are refused unread."""

    def __init__(self, session: aiohttp.ClientSession, base: str, max_bytes: int) -> None:
        self.session, self.base, self.max_bytes = session, base.rstrip("/"), max_bytes

    async def get_json(self, path: str, params: dict[str, str]) -> Any:
        async with self.session.get(f"{self.base}{path}", params=params) as resp:
            return await self._read_json(resp, path)

    async def post_json(self, path: str, body: dict[str, str]) -> Any:
        async with self.session.post(f"{self.base}{path}", json=body) as resp:
            return await self._read_json(resp, path)

    async def raise_for_answer(self, resp: aiohttp.ClientResponse, path: str) -> None:
        """``RpcStatusError`` with the node's message, for an answer other than 200."""
        if resp.status != 200:
            raise RpcStatusError(resp.status, f"{path}: {await _read_error(resp)}")

    async def _read_json(self, resp: aiohttp.ClientResponse, path: str) -> Any:
        await self.raise_for_answer(resp, path)
        data = await read_bounded(resp, self.max_bytes, path)
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as err:
            raise RpcAnswerError(f"{path}: the answer is not JSON: {err}") from None


async def read_bounded(resp: aiohttp.ClientResponse, limit: int, path: str) -> bytes:
    """The body, or ``RpcAnswerError`` as soon as it passes ``limit`` bytes."""
    if resp.content_length is not None and resp.content_length > limit:
        raise RpcAnswerError(f"{path}: answer of {resp.content_length} bytes, over {limit}")
    chunks, size = [], 0
    async for chunk in resp.content.iter_chunked(65536):
        size += len(chunk)
        if size > limit:
            raise RpcAnswerError(f"{path}: answer over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_error(resp: aiohttp.ClientResponse) -> str:
    """The message of the node's ``{"error": {"code", "message"}}`` body, else the reason."""
    try:
        doc = json.loads(await read_bounded(resp, _MAX_ERROR_BYTES, "error"))
        message = doc["error"]["message"]
    except (RpcAnswerError, ValueError, RecursionError, KeyError, TypeError):
        return resp.reason or "no message"
    return message if isinstance(message, str) else resp.reason or "no message"
