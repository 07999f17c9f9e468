"""The JSON of ``/v1/fast_sync/checkpoint`` and ``/v1/fast_sync/state``, both ways.

Blocks and QCs travel as hex of their consensus encoding (:mod:`zkpov.spec.codec.messages`,
which caps every length); field elements as 64 hex digits. Decoding is strict: every key
present and no other, each list capped before it is walked, and any mismatch is one
:class:`~zkpov.errors.FastSyncAnswerError` saying what was wrong.
"""

from __future__ import annotations

import re
from typing import Any

from zkpov.chain.state import Account
from zkpov.crypto.poseidon import MODULUS
from zkpov.errors import FastSyncAnswerError, ZkpovError
from zkpov.node.fast_sync.checkpoint import MAX_CHECKPOINT_BLOCKS, Checkpoint
from zkpov.node.fast_sync.epoch_changes import MAX_ENDING_BYTES, MAX_EPOCH_CHANGES
from zkpov.node.fast_sync.state_chunks import MAX_CHUNK_ACCOUNTS, StateChunk
from zkpov.spec.codec.messages import decode_message, encode_message
from zkpov.spec.messages import Block, QuorumCert

__all__ = [
    "MAX_EPOCH_CHANGES",
    "MAX_PROOF_BYTES",
    "check_keys",
    "decode_checkpoint",
    "decode_chunk",
    "encode_checkpoint",
    "encode_chunk",
    "read_hex",
    "read_uint",
]

MAX_PROOF_BYTES = 512
_MAX_BLOCKS = MAX_CHECKPOINT_BLOCKS + 2
_CHECKPOINT_KEYS = {"height", "blocks", "commit_qc", "epoch_changes", "proofs"}
_CHUNK_KEYS = {"height", "level", "position", "accounts", "children"}
_HEX = re.compile("(?:[0-9a-f]{2})*")
_ACCOUNT_KEYS = {"index", "public_key", "balance", "nonce"}


def encode_checkpoint(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "height": checkpoint.height,
        "blocks": [encode_message(block).hex() for block in checkpoint.blocks],
        "commit_qc": encode_message(checkpoint.commit_qc).hex(),
        "epoch_changes": [change.hex() for change in checkpoint.epoch_changes],
        "proofs": [{"height": h, "proof": proof.hex()} for h, proof in checkpoint.proofs],
    }


def encode_chunk(chunk: StateChunk) -> dict[str, Any]:
    accounts = None if chunk.accounts is None else [_encode_account(*a) for a in chunk.accounts]
    children = None if chunk.children is None else [f"{c:064x}" for c in chunk.children]
    return {
        "height": chunk.height, "level": chunk.level, "position": chunk.position,
        "accounts": accounts, "children": children,
    }  # fmt: skip


def _encode_account(index: int, account: Account) -> dict[str, Any]:
    return {
        "index": index, "public_key": account.public_key.hex(),
        "balance": account.balance, "nonce": account.nonce,
    }  # fmt: skip


def decode_checkpoint(doc: Any) -> tuple[int, Checkpoint]:
    """The claimed height and the checkpoint (not yet verified: :mod:`.verify`)."""
    _check_keys(doc, _CHECKPOINT_KEYS, "checkpoint")
    blocks = tuple(_decode_message(x, Block) for x in _list(doc["blocks"], _MAX_BLOCKS, "blocks"))
    if len(blocks) < 2:
        raise FastSyncAnswerError("a checkpoint needs its block and that block's child")
    changes = _list(doc["epoch_changes"], MAX_EPOCH_CHANGES, "epoch_changes")
    proofs = tuple(_decode_proof(x) for x in _list(doc["proofs"], _MAX_BLOCKS, "proofs"))
    checkpoint = Checkpoint(
        blocks, _decode_message(doc["commit_qc"], QuorumCert),
        tuple(_hex(x, MAX_ENDING_BYTES, "epoch change") for x in changes), proofs,
    )  # fmt: skip
    return _uint(doc["height"], "height"), checkpoint


def decode_chunk(doc: Any) -> StateChunk:
    _check_keys(doc, _CHUNK_KEYS, "state chunk")
    accounts, children = doc["accounts"], doc["children"]
    found = None
    if accounts is not None:
        found = tuple(_decode_account(a) for a in _list(accounts, MAX_CHUNK_ACCOUNTS, "accounts"))
    nodes = None
    if children is not None:
        a, b, c, d = (_field(x) for x in _list(children, 4, "children", exact=True))
        nodes = (a, b, c, d)
    return StateChunk(
        _uint(doc["height"], "height"), _uint(doc["level"], "level"),
        _uint(doc["position"], "position"), found, nodes,
    )  # fmt: skip


def _decode_account(doc: Any) -> tuple[int, Account]:
    _check_keys(doc, _ACCOUNT_KEYS, "account")
    public_key = _hex(doc["public_key"], 32, "public_key", exact=True)
    balance, nonce = _uint(doc["balance"], "balance"), _uint(doc["nonce"], "nonce")
    return _uint(doc["index"], "index"), Account(public_key, balance, nonce)


def _decode_proof(doc: Any) -> tuple[int, bytes]:
    _check_keys(doc, {"height", "proof"}, "proof")
    return _uint(doc["height"], "proof height"), _hex(doc["proof"], MAX_PROOF_BYTES, "proof")


def _decode_message(text: Any, kind: type) -> Any:
    data = _hex(text, 4 << 20, kind.__name__)
    try:
        value = decode_message(data)
    except ZkpovError as err:
        raise FastSyncAnswerError(f"a {kind.__name__} that does not decode: {err}") from err
    if not isinstance(value, kind):
        raise FastSyncAnswerError(f"expected a {kind.__name__}, got a {type(value).__name__}")
    return value


def _check_keys(doc: Any, keys: set[str], what: str) -> None:
    if not isinstance(doc, dict) or set(doc) != keys:
        raise FastSyncAnswerError(f"the {what} must be an object with exactly {sorted(keys)}")


def _list(value: Any, cap: int, what: str, exact: bool = False) -> list[Any]:
    if not isinstance(value, list) or len(value) > cap or (exact and len(value) != cap):
        raise FastSyncAnswerError(f"{what} must be a list of at most {cap} items")
    return value


def _uint(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise FastSyncAnswerError(f"{what} must be an integer in [0, 2**64)")
    return value


def _hex(value: Any, cap: int, what: str, exact: bool = False) -> bytes:
    if not isinstance(value, str) or len(value) > 2 * cap or (exact and len(value) != 2 * cap):
        raise FastSyncAnswerError(f"{what} must be hex of at most {cap} bytes")
    if _HEX.fullmatch(value) is None:
        raise FastSyncAnswerError(f"{what} is not lowercase hex")
    return bytes.fromhex(value)


def _field(value: Any) -> int:
    node = int.from_bytes(_hex(value, 32, "tree node", exact=True), "big")
    if node >= MODULUS:
        raise FastSyncAnswerError("a tree node is not a field element")
    return node


check_keys, read_hex, read_uint = _check_keys, _hex, _uint  # for the other answers' decoders
