"""zkpov.commands.params: an RPC URL must be http(s)://host[:port]."""

from __future__ import annotations

import click
import pytest

from zkpov.commands.params import RPC_URL


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:26657", "https://node.example:443/", "http://[::1]:26657"]
)
def test_http_urls_are_accepted(url: str) -> None:
    assert RPC_URL.convert(url, None, None) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    ["127.0.0.1:26657", "ftp://h:1", "http://", "http://h:99999", "http://h:x", "h" * 3000, ""],
)
def test_other_text_is_refused(url: str) -> None:
    with pytest.raises(click.BadParameter, match="not an RPC URL"):
        RPC_URL.convert(url, None, None)
