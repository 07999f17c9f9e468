"""Reading a Server-Sent Events stream (``/events``): frames of ``data:`` lines, bounded.

Only ``data`` matters here (each event's JSON names its own type); ``id``, ``event``, ``retry``
and comment lines are skipped. A line longer than aiohttp's line limit, or a frame's data over
``MAX_FRAME_BYTES``, raises :class:`~zkpov.errors.RpcAnswerError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp.http_exceptions import LineTooLong

from zkpov.errors import RpcAnswerError

__all__ = ["MAX_FRAME_BYTES", "read_frames"]

MAX_FRAME_BYTES = 64 * 1024


async def _read_line(content: aiohttp.StreamReader) -> bytes | None:
    try:
        line = await content.readline()
    except (ValueError, LineTooLong):  # aiohttp's own cap on a line (512 KiB in 3.14)
        raise RpcAnswerError("/events: a line over the stream's line limit") from None
    return line or None


async def read_frames(content: aiohttp.StreamReader) -> AsyncIterator[bytes]:
    """Each frame's data (its ``data:`` lines joined by newlines) until the stream ends."""
    data: list[bytes] = []
    size = 0
    while (line := await _read_line(content)) is not None:
        line = line.rstrip(b"\r\n")
        if not line:
            if data:
                yield b"\n".join(data)
            data, size = [], 0
        elif line.startswith(b"data:"):
            size += len(line)
            if size > MAX_FRAME_BYTES:
                raise RpcAnswerError(f"/events: a frame over {MAX_FRAME_BYTES} bytes")
            data.append(line[5:].removeprefix(b" "))
