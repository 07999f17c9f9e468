"""HTTP to the peer's RPC: ``GET /v1/fast_sync/checkpoint``, ``/state``, ``/ledger`` and
``/history``.

Blocking (fast sync runs before the node starts its event loop). Each answer is read up to
``MAX_ANSWER_BYTES`` and one byte more, so an oversized one is refused without being buffered;
anything but a 200 with a JSON body is a :class:`~zkpov.errors.FastSyncAnswerError`. Each
request waits at most ``TIMEOUT_SECONDS`` and all of them together ``DEADLINE_SECONDS``, so a
slow server cannot hold the node's start for long.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from zkpov.errors import FastSyncAnswerError, FastSyncError
from zkpov.node.fast_sync.checkpoint import Checkpoint
from zkpov.node.fast_sync.history import HistoryPage
from zkpov.node.fast_sync.history_wire import decode_history_page
from zkpov.node.fast_sync.ledger_chunks import LedgerChunk, decode_ledger_chunk
from zkpov.node.fast_sync.state_chunks import StateChunk
from zkpov.node.fast_sync.wire import decode_checkpoint, decode_chunk

__all__ = ["MAX_ANSWER_BYTES", "FastSyncClient"]

MAX_ANSWER_BYTES = 4 << 20
TIMEOUT_SECONDS = 10.0
DEADLINE_SECONDS = 600.0


class FastSyncClient:
    def __init__(
        self, url: str, timeout: float = TIMEOUT_SECONDS, deadline: float = DEADLINE_SECONDS
    ) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise FastSyncError(f"not an http(s) RPC URL: {url[:200]!r}")
        self.base, self.timeout = url.rstrip("/"), timeout
        self.deadline = time.monotonic() + deadline

    def get_checkpoint(self) -> tuple[int, Checkpoint]:
        """The claimed height and the (unverified) checkpoint."""
        return decode_checkpoint(self._get("/v1/fast_sync/checkpoint"))

    def get_chunk(self, height: int, level: int, position: int) -> StateChunk:
        query = urllib.parse.urlencode({"height": height, "level": level, "position": position})
        return decode_chunk(self._get(f"/v1/fast_sync/state?{query}"))

    def get_ledger_chunk(self, height: int, index: int) -> LedgerChunk:
        query = urllib.parse.urlencode({"height": height, "index": index})
        return decode_ledger_chunk(self._get(f"/v1/fast_sync/ledger?{query}"))

    def get_history_page(self, height: int, start: int) -> HistoryPage:
        query = urllib.parse.urlencode({"height": height, "start": start})
        return decode_history_page(self._get(f"/v1/fast_sync/history?{query}"))

    def _get(self, path: str) -> Any:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise FastSyncError("fast sync took longer than its deadline")
        try:
            url = self.base + path  # the scheme was checked: http or https only
            with urllib.request.urlopen(url, timeout=min(self.timeout, left)) as answer:  # noqa: S310
                body = answer.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as err:
            raise FastSyncAnswerError(f"{path.split('?')[0]} answered HTTP {err.code}") from None
        except (OSError, ValueError) as err:
            raise FastSyncError(f"cannot fetch {path.split('?')[0]}: {err}") from None
        if len(body) > MAX_ANSWER_BYTES:
            raise FastSyncAnswerError(f"an answer over {MAX_ANSWER_BYTES} bytes")
        try:
            return json.loads(body)
        except ValueError:
            raise FastSyncAnswerError(f"{path.split('?')[0]} answered no JSON") from None
