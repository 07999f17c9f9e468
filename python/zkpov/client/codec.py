"""RPC answers to :mod:`zkpov.client.models` and back, driven by the models' annotations.

Every field must be present with its JSON type: integers are JSON integers (never booleans),
bytes are lowercase hex (of the exact length where the model gives one), ``Decimal`` fields are
decimal strings. Properties the model does not know are ignored, so a newer node can add some.
Anything else raises :class:`~zkpov.errors.RpcAnswerError` naming the field.
:func:`encode_answer` gives back the node's JSON (the CLI prints it).
"""

from __future__ import annotations

import dataclasses
import re
import types
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin, get_type_hints

from zkpov.client.models import DECIMAL, HexSize
from zkpov.errors import RpcAnswerError

__all__ = ["decode_answer", "encode_answer"]

T = TypeVar("T")
_DIGITS = re.compile(r"[0-9]{1,80}")


_FIELDS: dict[type, dict[str, Any]] = {}  # per model class: a fixed, small set


def _get_fields(cls: type) -> dict[str, Any]:
    """The model's field names and annotated types, in declaration (= schema) order."""
    if cls not in _FIELDS:
        hints = get_type_hints(cls, include_extras=True)
        _FIELDS[cls] = {field.name: hints[field.name] for field in dataclasses.fields(cls)}
    return _FIELDS[cls]


def decode_answer(cls: type[T], doc: Any, where: str = "answer") -> T:
    """``doc`` (parsed JSON) as a ``cls``; ``RpcAnswerError`` if it does not fit."""
    if not isinstance(doc, dict):
        raise RpcAnswerError(f"{where}: expected an object, got {type(doc).__name__}")
    values = {}
    for name, kind in _get_fields(cls).items():
        if name not in doc:
            raise RpcAnswerError(f"{where}: missing {name!r}")
        values[name] = _decode(kind, doc[name], f"{where}.{name}")
    return cls(**values)


def _decode(kind: Any, value: Any, where: str) -> Any:
    if kind is bytes:  # the common case first: transactions, signatures, proofs
        return _decode_hex(value, where)
    origin = get_origin(kind)
    if origin is Annotated:
        return _decode_annotated(kind, value, where)
    if origin in (Union, types.UnionType):
        return _decode_optional(kind, value, where)
    if origin is tuple:
        return _decode_tuple(get_args(kind)[0], value, where)
    if dataclasses.is_dataclass(kind):
        return decode_answer(kind, value, where)  # type: ignore[arg-type]
    return _decode_plain(kind, value, where)


def _decode_annotated(kind: Any, value: Any, where: str) -> Any:
    base, *extras = get_args(kind)
    if DECIMAL in extras:
        if not isinstance(value, str) or _DIGITS.fullmatch(value) is None:
            raise RpcAnswerError(f"{where}: expected a decimal string, got {value!r:.80}")
        return int(value)
    data = _decode_plain(base, value, where)
    sizes = [extra.size for extra in extras if isinstance(extra, HexSize)]
    if sizes and len(data) != sizes[0]:
        raise RpcAnswerError(f"{where}: expected {sizes[0]} bytes, got {len(data)}")
    return data


def _decode_optional(kind: Any, value: Any, where: str) -> Any:
    if value is None:
        return None
    (inner,) = [arg for arg in get_args(kind) if arg is not type(None)]
    return _decode(inner, value, where)


def _decode_tuple(item: Any, value: Any, where: str) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise RpcAnswerError(f"{where}: expected an array, got {type(value).__name__}")
    return tuple(_decode(item, x, f"{where}[{i}]") for i, x in enumerate(value))


def _decode_hex(value: Any, where: str) -> bytes:
    """Lowercase hex, nothing else: the round trip refuses capitals, spaces and odd lengths."""
    try:
        data = bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        data = None
    if data is None or data.hex() != value:
        raise RpcAnswerError(f"{where}: expected lowercase hex, got {value!r:.80}")
    return data


def _decode_plain(kind: Any, value: Any, where: str) -> Any:
    if kind is bytes:
        return _decode_hex(value, where)
    if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise RpcAnswerError(f"{where}: expected a non-negative integer, got {value!r:.80}")
    if kind in (str, bool) and not isinstance(value, kind):
        raise RpcAnswerError(f"{where}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def encode_answer(model: Any) -> Any:
    """A model as the node's JSON: bytes as hex, ``Decimal`` fields as decimal strings."""
    return {
        name: _encode(kind, getattr(model, name)) for name, kind in _get_fields(type(model)).items()
    }


def _encode(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if get_origin(kind) is Annotated and DECIMAL in get_args(kind):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple):
        return [_encode(_get_item_type(kind), x) for x in value]
    if dataclasses.is_dataclass(value):
        return encode_answer(value)
    return value


def _get_item_type(kind: Any) -> Any:
    while get_origin(kind) in (Union, types.UnionType, Annotated):
        kind = next(arg for arg in get_args(kind) if arg is not type(None))
    return get_args(kind)[0]
