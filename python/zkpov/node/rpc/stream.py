"""``GET /events``: node events as a Server-Sent Events stream.

Each event is ``id: <n>``, ``event: <type>`` and ``data: <JSON>`` (schema ``Event``). A comment
line goes out every ``heartbeat`` seconds of silence, so proxies keep the stream open and a gone
client is noticed. The stream ends when the node closes the subscription (shutdown, or the client
fell ``max_pending`` events behind); a client reconnects and reads ``/status`` to resync, since
past events are not replayed.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from zkpov.node.rpc.codec import encode_event
from zkpov.node.rpc.view import EventSubscription, NodeEvent, SubscriptionClosedError

__all__ = ["SSE_HEADERS", "compute_sse_frame", "stream_events"]

SSE_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
}
_KEEPALIVE = b": keepalive\n\n"
_RETRY_MS = 3000


def compute_sse_frame(seq: int, event: NodeEvent) -> bytes:
    data = json.dumps(encode_event(event), separators=(",", ":"))
    return f"id: {seq}\nevent: {event.kind.value}\ndata: {data}\n\n".encode()


async def _pump(response: web.StreamResponse, sub: EventSubscription, heartbeat: float) -> None:
    seq = 0
    while True:
        try:
            event = await asyncio.wait_for(sub.get(), heartbeat)
        except TimeoutError:
            await response.write(_KEEPALIVE)
            continue
        except SubscriptionClosedError:
            return
        seq += 1
        await response.write(compute_sse_frame(seq, event))


async def stream_events(
    request: web.Request, sub: EventSubscription, heartbeat: float
) -> web.StreamResponse:
    """Send ``sub``'s events to the client until either side ends the stream."""
    response = web.StreamResponse(headers=SSE_HEADERS)
    try:
        await response.prepare(request)
        await response.write(f"retry: {_RETRY_MS}\n\n".encode())
        await _pump(response, sub, heartbeat)
    except ConnectionError:
        pass  # the client went away
    finally:
        sub.close()
    return response
