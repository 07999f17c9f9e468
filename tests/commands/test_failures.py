"""zkpov.commands.failures: what the operator reads when a command fails."""

from __future__ import annotations

import errno

import aiohttp
import click

from zkpov.commands.failures import describe_failure, to_one_line
from zkpov.errors import DecodeError


def test_one_line_escapes_control_characters_and_is_bounded() -> None:
    assert to_one_line("bad\nname\x1b[31m\n") == "bad\\x0aname\\x1b[31m"
    assert len(to_one_line("x" * 10_000)) == 2000
    assert to_one_line("") == "failed"


def test_typed_and_os_errors_say_what_and_where() -> None:
    assert describe_failure(DecodeError("bad key")) == "bad key"
    missing = FileNotFoundError(errno.ENOENT, "No such file or directory", "/x/k.json")
    assert describe_failure(missing) == "/x/k.json: No such file or directory"
    assert describe_failure(click.ClickException("refused")) == "refused"
    assert describe_failure(TimeoutError()) == "timed out waiting for an answer"


def test_http_client_errors_are_named() -> None:
    assert "invalid URL" in describe_failure(aiohttp.NonHttpUrlClientError("h:1/status"))
    assert describe_failure(aiohttp.ClientPayloadError("cut short")).startswith("RPC request")
