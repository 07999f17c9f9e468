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

LEDGER_VERSION = 3  # 3: deposited, withdrawn (staking ops in blocks)
MAX_LEDGER_ITEMS = 1 << 20  # validators, delegations, unbonding entries or balances
MAX_LEDGER_BYTES = 256 << 20
_MAX_OWNER = 64
_STATUSES = tuple(ValidatorStatus)


def encode_chain_state(state: ChainState) -> bytes:
    """Canonical bytes of ``state`` (balances and delegations in sorted order)."""
    body = [
        LEDGER_VERSION, state.epoch, [_validator_obj(v) for v in state.validators],
        sorted([d.delegator, d.validator, a] for d, a in state.delegations.items()),
        [_unbonding_obj(u) for u in state.unbonding],
        sorted([o, a] for o, a in state.balances.items()), list(state.active),
        list(state.active_stakes), state.seed, state.randao_mix, state.blocks_in_epoch,
        state.height, state.initial_supply, state.minted, state.burned,
        sorted([d.delegator, d.validator, _big_bytes(r)] for d, r in state.reward_entries.items()),
        state.deposited, state.withdrawn,
    ]  # fmt: skip
    encoded: bytes = msgpack.packb(body, use_bin_type=True)
    return encoded


def _validator_obj(v: Validator) -> list[Any]:
    status = _STATUSES.index(v.status)
    return [
        v.pubkey, v.owner, v.self_stake, v.commission_bps, status, v.slashed_amount,
        v.delegated, _big_bytes(v.reward_ratio), v.outstanding,
    ]  # fmt: skip


def _big_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def _unbonding_obj(u: Unbonding) -> list[Any]:
    validator = -1 if u.validator is None else u.validator
    return [u.owner, u.amount, u.release_epoch, validator + 1, u.start_epoch]


def decode_chain_state(data: bytes) -> ChainState:
    """The inverse of :func:`encode_chain_state`; ``DecodeError`` on anything else."""
    if len(data) > MAX_LEDGER_BYTES:
        raise DecodeError(f"a stored ledger of {len(data)} bytes exceeds {MAX_LEDGER_BYTES}")
    try:
        obj = msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise DecodeError(f"the stored ledger is not valid msgpack: {exc}") from exc
    version, epoch, vals, dels, unb, bal, active, stakes, *rest = seq(obj, 18)
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
    seed, mix, blocks, height, supply, minted, burned, entries, deposited, withdrawn = rest
    state.seed, state.randao_mix = digest(seed), digest(mix)
    state.blocks_in_epoch, state.height = uint(blocks), uint(height)
    state.initial_supply, state.minted, state.burned = uint(supply), uint(minted), uint(burned)
    state.reward_entries = dict(_entry(e) for e in _items(entries))
    state.deposited, state.withdrawn = uint(deposited), uint(withdrawn)


def _items(value: Any) -> list[Any]:
    return seq(value, limit=MAX_LEDGER_ITEMS)


def _owner(value: Any) -> bytes:
    return raw(value, limit=_MAX_OWNER)


def _validator(o: Any) -> Validator:
    pubkey, owner, stake, commission, status, slashed, delegated, ratio, outstanding = seq(o, 9)
    if uint(status) >= len(_STATUSES):
        raise DecodeError(f"unknown validator status {status}")
    return Validator(
        BLSPubkey(raw(pubkey, limit=_MAX_OWNER)), _owner(owner), Stake(uint(stake)),
        uint(commission), _STATUSES[status], Stake(uint(slashed)), Stake(uint(delegated)),
        _big(ratio), uint(outstanding),
    )  # fmt: skip


def _big(value: Any) -> int:
    """A reward ratio: rewards per unit stake x 2^64 outgrow a uint64, so they are stored as
    big-endian bytes (at most 32)."""
    return int.from_bytes(raw(value, limit=32), "big")


def _entry(o: Any) -> tuple[Delegation, int]:
    holder, validator, ratio = seq(o, 3)
    return Delegation(_owner(holder), uint(validator)), _big(ratio)


def _delegation(o: Any) -> tuple[Delegation, Stake]:
    delegator, validator, amount = seq(o, 3)
    return Delegation(_owner(delegator), uint(validator)), Stake(uint(amount))


def _unbonding(o: Any) -> Unbonding:
    owner, amount, release, validator, start = seq(o, 5)
    index = None if uint(validator) == 0 else uint(validator) - 1
    return Unbonding(
        _owner(owner), Stake(uint(amount)), Epoch(uint(release)), index, Epoch(uint(start))
    )


def _checked(state: ChainState) -> ChainState:
    """Indices must name registered validators, and the active set must match its stakes."""
    count = len(state.validators)
    named = [d.validator for d in (*state.delegations, *state.reward_entries)]
    named += [u.validator for u in state.unbonding if u.validator is not None]
    if any(i >= count for i in (*named, *state.active)):
        raise DecodeError("the stored ledger names a validator it does not register")
    if len(state.active) != len(state.active_stakes):
        raise DecodeError("the stored ledger's active set and stakes differ in length")
    delegated = [0] * count
    for key, amount in state.delegations.items():
        delegated[key.validator] += amount
    if delegated != [int(v.delegated) for v in state.validators]:
        raise DecodeError("the stored ledger's delegation totals do not add up")
    return state
