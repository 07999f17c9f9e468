"""Query parameters and request bodies of the RPC: one object per parameter holds both its
OpenAPI schema and its parser, so the description and the checks cannot drift apart.

Every parser caps its input before converting it and raises :class:`InvalidParamError` (a
``DecodeError``) saying what was wrong; the RPC answers it with HTTP 400.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiohttp import web

from zkpov.errors import DecodeError
from zkpov.node.rpc.view import EventKind
from zkpov.types import Height

__all__ = [
    "ACCOUNT",
    "DEFAULT_PER_PAGE",
    "EPOCH",
    "EVENT_TYPES",
    "HASH",
    "HEIGHT",
    "INDEX",
    "MAX_HEIGHT",
    "MAX_PER_PAGE",
    "MAX_TX_BYTES",
    "PAGE",
    "PER_PAGE",
    "PROOF",
    "PROOF_HEIGHT",
    "PUBLIC_KEY",
    "TX_BODY_SCHEMA",
    "InvalidParamError",
    "QueryParam",
    "parse_tx_body",
]

T = TypeVar("T")

MAX_HEIGHT = 2**63 - 1
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 30
MAX_PAGE = 1 << 16
MAX_TX_BYTES = 64 * 1024  # the transactions channel's frame cap
_MAX_PARAM_CHARS = 256

_DIGITS = re.compile(r"[0-9]{1,19}")
_HASH = re.compile(r"(0x)?[0-9a-fA-F]{64}")
_HEX = re.compile(r"(0x)?(?:[0-9a-fA-F]{2})+")


class InvalidParamError(DecodeError):
    """A query parameter or request body that does not decode; HTTP 400."""


@dataclass(frozen=True)
class QueryParam(Generic[T]):
    """A query parameter: its name, OpenAPI schema and parser."""

    name: str
    description: str
    schema: dict[str, Any]
    parse: Callable[[str], T]
    required: bool = False

    def get(self, request: web.Request) -> T | None:
        values = request.query.getall(self.name, [])
        if not values:
            if self.required:
                raise InvalidParamError(f"{self.name}: missing required parameter")
            return None
        if len(values) > 1:
            raise InvalidParamError(f"{self.name}: given more than once")
        return self.parse_text(values[0])

    def get_required(self, request: web.Request) -> T:
        value = self.get(request)
        if value is None:
            raise InvalidParamError(f"{self.name}: missing required parameter")
        return value

    def parse_text(self, text: str) -> T:
        if len(text) > _MAX_PARAM_CHARS:
            raise InvalidParamError(f"{self.name}: longer than {_MAX_PARAM_CHARS} characters")
        try:
            return self.parse(text)
        except InvalidParamError as exc:
            raise InvalidParamError(f"{self.name}: {exc}") from None


def compute_bounded_int(text: str, low: int, high: int) -> int:
    """A decimal integer in ``[low, high]``: digits only (no sign, spaces or underscores)."""
    if _DIGITS.fullmatch(text) is None:
        raise InvalidParamError(f"must be a decimal integer, got {text!r}")
    value = int(text)
    if not low <= value <= high:
        raise InvalidParamError(f"must be between {low} and {high}, got {value}")
    return value


def compute_hash(text: str) -> bytes:
    if _HASH.fullmatch(text) is None:
        raise InvalidParamError("must be 32 bytes as 64 hex digits (optionally 0x-prefixed)")
    return bytes.fromhex(text.removeprefix("0x"))


def compute_flag(text: str) -> bool:
    if text not in ("true", "false"):
        raise InvalidParamError(f"must be true or false, got {text!r}")
    return text == "true"


def compute_event_kinds(text: str) -> frozenset[EventKind]:
    known = {kind.value: kind for kind in EventKind}
    names = text.split(",")
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InvalidParamError(f"unknown event type {unknown[0]!r}; known: {sorted(known)}")
    return frozenset(known[name] for name in names)


def _parse_height(text: str) -> Height:
    return Height(compute_bounded_int(text, 0, MAX_HEIGHT))


def _int_schema(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


HEIGHT: QueryParam[Height] = QueryParam(
    "height", "Block height; the latest committed height when absent.",
    _int_schema(0, MAX_HEIGHT), _parse_height,
)  # fmt: skip
PROOF_HEIGHT: QueryParam[Height] = dataclasses.replace(
    HEIGHT, description="Block height; the latest proven-final height when absent."
)
HASH: QueryParam[bytes] = QueryParam(
    "hash", "Transaction hash: 64 hex digits, optionally 0x-prefixed.",
    {"type": "string", "pattern": "^(0x)?[0-9a-fA-F]{64}$"}, compute_hash, required=True,
)  # fmt: skip
EPOCH: QueryParam[int] = QueryParam(
    "epoch", "An epoch (current or past); with ``height``, the height must lie in it.",
    _int_schema(0, MAX_HEIGHT), lambda text: compute_bounded_int(text, 0, MAX_HEIGHT),
)  # fmt: skip
PAGE: QueryParam[int] = QueryParam(
    "page", "Page number, from 1.",
    _int_schema(1, MAX_PAGE), lambda text: compute_bounded_int(text, 1, MAX_PAGE),
)  # fmt: skip
PER_PAGE: QueryParam[int] = QueryParam(
    "per_page", f"Validators per page (default {DEFAULT_PER_PAGE}).",
    _int_schema(1, MAX_PER_PAGE), lambda text: compute_bounded_int(text, 1, MAX_PER_PAGE),
)  # fmt: skip
EVENT_TYPES: QueryParam[frozenset[EventKind]] = QueryParam(
    "types", "Comma-separated event types to receive; all when absent.",
    {"type": "string",
     "pattern": "^(new_block|finalized|proven_final|slashed|rewards|epoch_change)"
     "(,(new_block|finalized|proven_final|slashed|rewards|epoch_change))*$"},
    compute_event_kinds,
)  # fmt: skip

INDEX: QueryParam[int] = QueryParam(
    "index", "Account index (give it or public_key).",
    _int_schema(0, 2**64 - 1), lambda text: compute_bounded_int(text, 0, 2**64 - 1),
)  # fmt: skip
PUBLIC_KEY: QueryParam[bytes] = QueryParam(
    "public_key", "Account public key, 32 bytes as hex; its conventional index is looked up.",
    {"type": "string", "pattern": "^(0x)?[0-9a-fA-F]{64}$"}, compute_hash,
)  # fmt: skip
PROOF: QueryParam[bool] = QueryParam(
    "proof", "true: add a Merkle proof of the account against the state root.",
    {"type": "string", "enum": ["true", "false"]}, compute_flag,
)  # fmt: skip


def _one_key(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object", "properties": {name: schema}, "required": [name],
        "additionalProperties": False,
    }  # fmt: skip


_ACCOUNT_QUERY_KEYS = frozenset({"index", "public_key", "proof"})  # the /account route's


class AccountParam(QueryParam[int | bytes]):
    """Which account: ``index=N`` or ``public_key=HEX``, exactly one. OpenAPI describes it as an
    object parameter (query, form style, exploded: its properties are the query keys)."""

    def get(self, request: web.Request) -> int | bytes:
        unknown = sorted(set(request.query) - _ACCOUNT_QUERY_KEYS)
        if unknown:  # exploded, any other key would be a property its schema forbids
            raise InvalidParamError(f"unknown query parameter {unknown[0][:64]!r}")
        index, public_key = INDEX.get(request), PUBLIC_KEY.get(request)
        if index is not None and public_key is None:
            return index
        if public_key is not None and index is None:
            return public_key
        raise InvalidParamError("give exactly one of index and public_key")


def _refuse_account_text(text: str) -> int | bytes:
    raise InvalidParamError("name the account with index= or public_key=")


ACCOUNT = AccountParam(
    "account", "The account: index=N, or public_key=HEX (its conventional index).",
    {"oneOf": [_one_key("index", INDEX.schema), _one_key("public_key", PUBLIC_KEY.schema)]},
    _refuse_account_text, required=True,
)  # fmt: skip

TX_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "tx": {
            "type": "string",
            "description": f"The transaction as hex (1 to {MAX_TX_BYTES} bytes).",
            "pattern": "^(0x)?([0-9a-fA-F]{2})+$",
            "maxLength": 2 * MAX_TX_BYTES + 2,
        }
    },
    "required": ["tx"],
    "additionalProperties": False,
}


def parse_tx_body(body: bytes) -> bytes:
    """The transaction of a ``{"tx": "<hex>"}`` body (already capped in size by the server)."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidParamError("body is not valid UTF-8 JSON") from None
    if not isinstance(doc, dict) or set(doc) != {"tx"}:
        raise InvalidParamError('body must be a JSON object {"tx": "<hex>"} and nothing else')
    text = doc["tx"]
    if not isinstance(text, str) or _HEX.fullmatch(text) is None:
        raise InvalidParamError("tx must be a non-empty string of hex byte pairs")
    tx = bytes.fromhex(text.removeprefix("0x"))
    if len(tx) > MAX_TX_BYTES:
        raise InvalidParamError(f"tx is {len(tx)} bytes; at most {MAX_TX_BYTES}")
    return tx
