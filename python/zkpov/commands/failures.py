"""How the CLI reports a failure: one line on stderr, ``error: ...``, and an exit code.

Expected failures (a typed ``ZkpovError``, an ``OSError`` such as a missing directory, an HTTP
client error such as a node that is down) become one line and exit code 1; a usage mistake exits
with 2, as click does. Anything else is a bug and keeps its traceback. ``ZKPOV_DEBUG=1`` shows the
traceback of expected failures too.
"""

from __future__ import annotations

import os

import aiohttp
import click

from zkpov.errors import ZkpovError

__all__ = ["EXPECTED", "describe_failure", "is_debug", "to_one_line"]

EXPECTED = (ZkpovError, OSError, aiohttp.ClientError)
MAX_LINE_CHARS = 2000


def is_debug() -> bool:
    return os.environ.get("ZKPOV_DEBUG", "") not in ("", "0")


def to_one_line(text: str) -> str:
    """``text`` with control characters escaped (messages can quote hostile input), bounded."""
    flat = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text.strip())
    return flat[:MAX_LINE_CHARS] or "failed"


def describe_failure(err: BaseException) -> str:
    """What went wrong, for the operator."""
    if isinstance(err, click.UsageError):
        return _describe_usage(err)
    if isinstance(err, click.ClickException):
        return err.format_message()
    if isinstance(err, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return f"invalid URL {str(getattr(err, 'url', err))!r}: expected http://host:port"
    if isinstance(err, aiohttp.ClientConnectorError):
        return f"cannot reach the node at {err.host}:{err.port}: {err.strerror or err}"
    if isinstance(err, aiohttp.ClientError):
        return f"RPC request failed: {err or type(err).__name__}"
    if isinstance(err, TimeoutError):
        return f"timed out: {err}" if str(err) else "timed out waiting for an answer"
    if isinstance(err, OSError) and err.strerror:
        return f"{err.filename}: {err.strerror}" if err.filename else err.strerror
    return str(err) or type(err).__name__


def _describe_usage(err: click.UsageError) -> str:
    message = err.format_message()
    if err.ctx is None:
        return message
    return f"{message} (see '{err.ctx.command_path} --help')"
