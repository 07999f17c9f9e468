"""The fast-sync HTTP client refuses what is not an http(s) URL and stops at its deadline."""

from __future__ import annotations

import pytest

from zkpov.errors import FastSyncError
from zkpov.node.fast_sync.client import FastSyncClient


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://peer:1", "http://"])
def test_only_http_urls_are_fetched(url: str) -> None:
    with pytest.raises(FastSyncError, match="not an http"):
        FastSyncClient(url)


def test_nothing_is_fetched_past_the_deadline() -> None:
    client = FastSyncClient("http://127.0.0.1:9", deadline=0)
    with pytest.raises(FastSyncError, match="deadline"):
        client.get_checkpoint()
