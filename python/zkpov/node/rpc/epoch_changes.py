"""The JSON form of an epoch change: what ``/v1/light/updates`` serves and light clients read.

An update is the light form of a :class:`~zkpov.consensus.epochs.proof.EpochEnding`: headers
instead of blocks (the reconfiguration header R and its suffix), the commit QC, and the next
set's keys and stakes (what R's ``next_validator_set_commitment`` binds; the members' registry
indices and the leader seed are not served: the commitment does not cover them)::

    {"from_epoch": 0, "current_epoch": 2, "updates": [
      {"header": Header, "suffix": [Header, ...], "commit_certificate": QuorumCert,
       "next_validators": [{"pubkey": "96 hex digits", "stake": "decimal"}, ...]}, ...]}

Headers and QCs are the node's usual JSON (:mod:`zkpov.node.rpc.codec`). An answer stops before
``MAX_ANSWER_BYTES`` (it holds at least one update; the client asks again from there).
Decoding is strict and capped before anything is built: at most ``MAX_UPDATES`` updates,
``MAX_SUFFIX_HEADERS`` suffix headers and ``MAX_NEXT_VALIDATORS`` validators; integers below
2**64 (stakes 2**128), hex lowercase of the exact length, and a header's fields must hash to
its ``block_id``. Anything else is :class:`~zkpov.errors.EpochUpdateFormatError` naming the
field. A header's byte fields are 32 bytes each except those in ``_HEADER_BYTES_CAPS``, so a
header field added to :class:`~zkpov.spec.messages.BlockHeader` (and to
``codec.encode_header``) decodes here unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, get_type_hints

from zkpov.consensus.epochs.proof import (
    MAX_EPOCH_CHANGE_PROOF_LENGTH,
    MAX_SUFFIX_BLOCKS,
    EpochEnding,
)
from zkpov.constants import BLS_PUBKEY_LENGTH, BLS_SIGNATURE_LENGTH, MAX_VALIDATORS_LIMIT
from zkpov.errors import EpochUpdateFormatError
from zkpov.node.rpc.codec import JsonObject, encode_header, encode_qc
from zkpov.spec.messages import BlockHeader, QuorumCert, VoteData
from zkpov.types import BlockId, BLSPubkey, Epoch, Round, Stake

__all__ = [
    "MAX_ANSWER_BYTES",
    "MAX_NEXT_VALIDATORS",
    "MAX_SUFFIX_HEADERS",
    "MAX_UPDATES",
    "EpochUpdate",
    "EpochUpdates",
    "decode_epoch_update",
    "decode_epoch_updates",
    "encode_epoch_update",
    "encode_epoch_updates",
    "get_epoch_update",
]

MAX_UPDATES = MAX_EPOCH_CHANGE_PROOF_LENGTH  # updates in one answer (a client asks again)
MAX_SUFFIX_HEADERS = MAX_SUFFIX_BLOCKS
MAX_NEXT_VALIDATORS = MAX_VALIDATORS_LIMIT
MAX_SIGNER_BYTES = (MAX_VALIDATORS_LIMIT + 7) // 8
MAX_STAKE = 1 << 128  # the set commitment holds a stake in 16 bytes
MAX_ANSWER_BYTES = 768 * 1024  # under a light client's 1 MiB answer cap (about 50 sets of 100)
_HEADER_BYTES_CAPS = {"randao_reveal": (0, BLS_SIGNATURE_LENGTH),
                      "next_validator_set_commitment": (0, 32),
                      "staking_root": (0, 32)}  # fmt: skip
_DIGITS = re.compile(r"[0-9]{1,40}")


@dataclass(frozen=True)
class EpochUpdate:
    """How epoch ``header.epoch`` ended, as a light client sees it."""

    header: BlockHeader
    suffix: tuple[BlockHeader, ...]
    commit_qc: QuorumCert
    next_pubkeys: tuple[BLSPubkey, ...]
    next_stakes: tuple[Stake, ...]

    @property
    def committed(self) -> BlockHeader:
        """The header the commit QC commits: the last suffix header, or R."""
        return self.suffix[-1] if self.suffix else self.header


@dataclass(frozen=True)
class EpochUpdates:
    from_epoch: int
    current_epoch: int
    updates: tuple[EpochUpdate, ...]


def get_epoch_update(ending: EpochEnding) -> EpochUpdate:
    suffix = tuple(block.header for block in ending.suffix)
    next_set = ending.next_set
    return EpochUpdate(
        ending.block.header, suffix, ending.commit_qc, next_set.pubkeys, next_set.stakes
    )


def encode_epoch_update(update: EpochUpdate) -> JsonObject:
    return {
        "header": encode_header(update.header),
        "suffix": [encode_header(header) for header in update.suffix],
        "commit_certificate": encode_qc(update.commit_qc),
        "next_validators": [
            {"pubkey": bytes(key).hex(), "stake": str(stake)}
            for key, stake in zip(update.next_pubkeys, update.next_stakes, strict=True)
        ],
    }


def encode_epoch_updates(
    from_epoch: int, current_epoch: int, updates: Sequence[EpochUpdate],
    max_bytes: int | None = None,
) -> JsonObject:  # fmt: skip
    """The answer of ``/v1/light/updates``: at most ``MAX_UPDATES`` updates, and no more than fit
    in ``max_bytes`` (``MAX_ANSWER_BYTES``) of JSON (at least one: a client asks again from
    where the answer stops)."""
    budget = MAX_ANSWER_BYTES if max_bytes is None else max_bytes
    encoded: list[JsonObject] = []
    size = 0
    for update in updates[:MAX_UPDATES]:
        item = encode_epoch_update(update)
        size += len(json.dumps(item, separators=(",", ":")))
        if encoded and size > budget:
            break
        encoded.append(item)
    return {"from_epoch": from_epoch, "current_epoch": current_epoch, "updates": encoded}


def decode_epoch_updates(doc: Any) -> EpochUpdates:
    """The answer of ``/v1/light/updates``; ``EpochUpdateFormatError`` if anything is off."""
    fields = _get_object(doc, ("from_epoch", "current_epoch", "updates"), "answer")
    items = _get_list(fields["updates"], MAX_UPDATES, "answer.updates")
    updates = tuple(
        decode_epoch_update(item, f"answer.updates[{i}]") for i, item in enumerate(items)
    )
    from_epoch = _get_uint(fields["from_epoch"], "answer.from_epoch")
    return EpochUpdates(from_epoch, _get_uint(fields["current_epoch"], "answer.current_epoch"),
                        updates)  # fmt: skip


def decode_epoch_update(doc: Any, where: str = "update") -> EpochUpdate:
    names = ("header", "suffix", "commit_certificate", "next_validators")
    fields = _get_object(doc, names, where)
    suffix = _get_list(fields["suffix"], MAX_SUFFIX_HEADERS, f"{where}.suffix")
    named = f"{where}.next_validators"
    validators = _get_list(fields["next_validators"], MAX_NEXT_VALIDATORS, named)
    if not validators:
        raise EpochUpdateFormatError(f"{named}: an empty validator set")
    pairs = [_decode_validator(v, f"{named}[{i}]") for i, v in enumerate(validators)]
    return EpochUpdate(
        _decode_header(fields["header"], f"{where}.header"),
        tuple(_decode_header(h, f"{where}.suffix[{i}]") for i, h in enumerate(suffix)),
        _decode_qc(fields["commit_certificate"], f"{where}.commit_certificate"),
        tuple(BLSPubkey(key) for key, _ in pairs), tuple(Stake(stake) for _, stake in pairs),
    )  # fmt: skip


def _decode_validator(doc: Any, where: str) -> tuple[bytes, int]:
    fields = _get_object(doc, ("pubkey", "stake"), where)
    stake = fields["stake"]
    if not isinstance(stake, str) or _DIGITS.fullmatch(stake) is None or int(stake) >= MAX_STAKE:
        raise EpochUpdateFormatError(f"{where}.stake: expected a decimal string below 2**128")
    pubkey = _get_hex(fields["pubkey"], BLS_PUBKEY_LENGTH, BLS_PUBKEY_LENGTH, f"{where}.pubkey")
    return pubkey, int(stake)


def _get_header_fields() -> dict[str, type]:
    """``BlockHeader``'s fields with their base types (``int`` or ``bytes``)."""
    hints = get_type_hints(BlockHeader)
    found = {}
    for field in dataclasses.fields(BlockHeader):
        kind = hints[field.name]
        found[field.name] = getattr(kind, "__supertype__", kind)
    return found


_HEADER_FIELDS = _get_header_fields()


def _decode_header(doc: Any, where: str) -> BlockHeader:
    fields = _get_object(doc, ("block_id", *_HEADER_FIELDS), where)
    values: dict[str, Any] = {
        name: _decode_header_field(name, kind, fields[name], f"{where}.{name}")
        for name, kind in _HEADER_FIELDS.items()
    }
    header = BlockHeader(**values)
    if header.id != _get_hex(fields["block_id"], 32, 32, f"{where}.block_id"):
        raise EpochUpdateFormatError(f"{where}: its fields do not hash to its block_id")
    return header


def _decode_header_field(name: str, kind: type, value: Any, where: str) -> int | bytes:
    if kind is int:
        return _get_uint(value, where)
    low, high = _HEADER_BYTES_CAPS.get(name, (32, 32))
    data = _get_hex(value, low, high, where)
    if name in ("next_validator_set_commitment", "staking_root") and len(data) not in (0, 32):
        raise EpochUpdateFormatError(f"{where}: expected 0 or 32 bytes, got {len(data)}")
    return data


def _decode_qc(doc: Any, where: str) -> QuorumCert:
    names = ("epoch", "round", "block_id", "parent_round", "parent_id", "signers", "signature")
    fields = _get_object(doc, names, where)
    data = VoteData(
        Epoch(_get_uint(fields["epoch"], f"{where}.epoch")),
        Round(_get_uint(fields["round"], f"{where}.round")),
        BlockId(_get_hex(fields["block_id"], 32, 32, f"{where}.block_id")),
        Round(_get_uint(fields["parent_round"], f"{where}.parent_round")),
        BlockId(_get_hex(fields["parent_id"], 32, 32, f"{where}.parent_id")),
    )
    signers = _get_hex(fields["signers"], 1, MAX_SIGNER_BYTES, f"{where}.signers")
    signature = _get_hex(
        fields["signature"], BLS_SIGNATURE_LENGTH, BLS_SIGNATURE_LENGTH, f"{where}.signature"
    )
    return QuorumCert(data, signers, signature)


def _get_object(doc: Any, names: Sequence[str], where: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise EpochUpdateFormatError(f"{where}: expected an object, got {type(doc).__name__}")
    missing = [name for name in names if name not in doc]
    if missing:
        raise EpochUpdateFormatError(f"{where}: missing {missing[0]!r}")
    return doc


def _get_list(value: Any, cap: int, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise EpochUpdateFormatError(f"{where}: expected an array, got {type(value).__name__}")
    if len(value) > cap:
        raise EpochUpdateFormatError(f"{where}: {len(value)} items, at most {cap}")
    return value


def _get_uint(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 64:
        raise EpochUpdateFormatError(f"{where}: expected an integer below 2**64, got {value!r:.40}")
    return value


def _get_hex(value: Any, low: int, high: int, where: str) -> bytes:
    """Lowercase hex of ``low..high`` bytes (the length is checked before decoding)."""
    if not isinstance(value, str) or not 2 * low <= len(value) <= 2 * high:
        raise EpochUpdateFormatError(f"{where}: expected hex of {low}..{high} bytes")
    try:
        data = bytes.fromhex(value)
    except ValueError:
        data = b""
    if data.hex() != value:
        raise EpochUpdateFormatError(f"{where}: expected lowercase hex, got {value!r:.40}")
    return data
