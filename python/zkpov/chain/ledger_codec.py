"""The stored form of a :class:`~zkpov.chain.containers.ChainState` (msgpack, versioned).

Decoding treats the bytes as hostile (a damaged or swapped store file): every length is capped
and anything malformed is a ``DecodeError`` naming what was wrong.
"""

from __future__ import annotations

from typing import Any

import msgpack

from zkpov.chain.containers import ChainState, Delegation, Unbonding, Validator, ValidatorStatus
from zkpov.errors import DecodeError
from zkpov.spec.codec.fields import digest, raw, seq, uint
from zkpov.types import BLSPubkey, Epoch, Stake

__all__ = ["LEDGER_VERSION", "MAX_LEDGER_ITEMS", "decode_chain_state", "encode_chain_state"]

LEDGER_VERSION = 1
MAX_LEDGER_ITEMS = 1 << 20  # validators, delegations, unbonding entries or balances
MAX_LEDGER_BYTES = 256 << 20
_MAX_OWNER = 64
_STATUSES = tuple(ValidatorStatus)


def encode_chain_state(state: ChainState) -> bytes:
    """Canonical bytes of ``state`` (balances and delegations in sorted order)."""
    body = [
        LEDGER_VERSION, state.epoch, [_validator_obj(v) for v in state.validators],
        sorted([d.delegator, d.validator, a] for d, a in state.delegations.items()),
        [[u.owner, u.amount, u.release_epoch] for u in state.unbonding],
        sorted([o, a] for o, a in state.balances.items()), list(state.active),
        list(state.active_stakes), state.seed, state.randao_mix, state.blocks_in_epoch,
        state.height, state.initial_supply, state.minted, state.burned,
    ]  # fmt: skip
    encoded: bytes = msgpack.packb(body, use_bin_type=True)
    return encoded


def _validator_obj(v: Validator) -> list[Any]:
    status = _STATUSES.index(v.status)
    return [v.pubkey, v.owner, v.self_stake, v.commission_bps, status, v.slashed_amount]


def decode_chain_state(data: bytes) -> ChainState:
    """The inverse of :func:`encode_chain_state`; ``DecodeError`` on anything else."""
    if len(data) > MAX_LEDGER_BYTES:
        raise DecodeError(f"a stored ledger of {len(data)} bytes exceeds {MAX_LEDGER_BYTES}")
    try:
        obj = msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise DecodeError(f"the stored ledger is not valid msgpack: {exc}") from exc
    version, epoch, vals, dels, unb, bal, active, stakes, *rest = seq(obj, 15)
    if version != LEDGER_VERSION:
        raise DecodeError(f"ledger version {version!r}, this node reads {LEDGER_VERSION}")
    state = ChainState(Epoch(uint(epoch)), validators=[_validator(v) for v in _items(vals)])
    state.delegations = dict(_delegation(d) for d in _items(dels))
    state.unbonding = [_unbonding(u) for u in _items(unb)]
    state.balances = {_owner(o): uint(a) for o, a in (seq(b, 2) for b in _items(bal))}
    state.active = tuple(uint(i) for i in _items(active))
    state.active_stakes = tuple(Stake(uint(s)) for s in _items(stakes))
    _read_tail(state, rest)
    return _checked(state)


def _read_tail(state: ChainState, rest: list[Any]) -> None:
    seed, mix, blocks, height, supply, minted, burned = rest
    state.seed, state.randao_mix = digest(seed), digest(mix)
    state.blocks_in_epoch, state.height = uint(blocks), uint(height)
    state.initial_supply, state.minted, state.burned = uint(supply), uint(minted), uint(burned)


def _items(value: Any) -> list[Any]:
    return seq(value, limit=MAX_LEDGER_ITEMS)


def _owner(value: Any) -> bytes:
    return raw(value, limit=_MAX_OWNER)


def _validator(o: Any) -> Validator:
    pubkey, owner, stake, commission, status, slashed = seq(o, 6)
    if uint(status) >= len(_STATUSES):
        raise DecodeError(f"unknown validator status {status}")
    return Validator(
        BLSPubkey(raw(pubkey, limit=_MAX_OWNER)), _owner(owner), Stake(uint(stake)),
        uint(commission), _STATUSES[status], Stake(uint(slashed)),
    )  # fmt: skip


def _delegation(o: Any) -> tuple[Delegation, Stake]:
    delegator, validator, amount = seq(o, 3)
    return Delegation(_owner(delegator), uint(validator)), Stake(uint(amount))


def _unbonding(o: Any) -> Unbonding:
    owner, amount, release = seq(o, 3)
    return Unbonding(_owner(owner), Stake(uint(amount)), Epoch(uint(release)))


def _checked(state: ChainState) -> ChainState:
    """Indices must name registered validators, and the active set must match its stakes."""
    count = len(state.validators)
    if any(d.validator >= count for d in state.delegations) or any(
        i >= count for i in state.active
    ):
        raise DecodeError("the stored ledger names a validator it does not register")
    if len(state.active) != len(state.active_stakes):
        raise DecodeError("the stored ledger's active set and stakes differ in length")
    return state
