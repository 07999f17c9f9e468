"""Parameter types shared by the CLI's commands."""

from __future__ import annotations

from urllib.parse import urlsplit

import click

__all__ = ["RPC_URL", "RpcUrl"]

MAX_URL_CHARS = 2048


class RpcUrl(click.ParamType[str]):
    """A node's RPC address: ``http://host:port`` or ``https://host:port``, no trailing slash."""

    name = "url"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        text = str(value)
        if len(text) > MAX_URL_CHARS or not _is_http_url(text):
            self.fail(f"{text[:80]!r} is not an RPC URL; expected http://host:port", param, ctx)
        return text.rstrip("/")


def _is_http_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


RPC_URL = RpcUrl()
