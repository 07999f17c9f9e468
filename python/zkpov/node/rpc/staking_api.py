"""The staking routes (``/v1/staking/...``) over the committed staking ledger.

- ``validator?index=``: one validator's stake (self and delegated), slashed amount, status,
  commission and ledger balance (rewards so far);
- ``supply``: the supply equation the node checks after every block;
- ``delegations?account=``: what the ledger holds for an account's key: the self stake of the
  validators it created, its delegations (with unsettled rewards) and unbonding entries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from zkpov.node.rpc.params import ACCOUNT, QueryParam, compute_bounded_int
from zkpov.node.rpc.schema import Route, ref
from zkpov.node.rpc.staking_view import DelegationsRecord, StakingValidatorRecord, SupplyRecord
from zkpov.node.rpc.view import AccountQueryError, NodeView

__all__ = [
    "VALIDATOR_INDEX",
    "encode_delegations",
    "encode_staking_validator",
    "encode_supply",
    "make_staking_routes",
]

NotFound = Callable[[str], Exception]
_LIMIT = 1 << 20  # registry indices (joins add validators; exits never reuse one)
VALIDATOR_INDEX: QueryParam[int] = QueryParam(
    "index", "Validator index in the staking registry.",
    {"type": "integer", "minimum": 0, "maximum": _LIMIT},
    lambda text: compute_bounded_int(text, 0, _LIMIT), required=True,
)  # fmt: skip


def _json(doc: Any) -> web.Response:
    return web.json_response(doc, dumps=lambda obj: json.dumps(obj, separators=(",", ":")))


def encode_staking_validator(r: StakingValidatorRecord) -> dict[str, Any]:
    return {
        "index": r.index, "pubkey": r.pubkey.hex(), "owner": r.owner.hex(), "status": r.status,
        "self_stake": str(r.self_stake), "delegated": str(r.delegated), "stake": str(r.stake),
        "slashed": str(r.slashed), "commission_bps": r.commission_bps,
        "balance": str(r.balance), "owner_pending": str(r.owner_pending),
        "outstanding": str(r.outstanding), "height": r.height,
    }  # fmt: skip


def encode_supply(r: SupplyRecord) -> dict[str, Any]:
    amounts = ("initial", "minted", "burned", "slashed", "total", "bonded", "unbonding")
    more = ("balances", "outstanding", "deposited", "withdrawn")
    doc: dict[str, Any] = {"height": r.height}
    doc |= {name: str(getattr(r, name)) for name in (*amounts, *more)}
    return doc | {"conserved": r.conserved}


def encode_delegations(r: DelegationsRecord) -> dict[str, Any]:
    return {
        "account": str(r.account), "owner": None if r.owner is None else r.owner.hex(),
        "self_stake": str(r.self_stake), "delegated": str(r.delegated),
        "unbonding": str(r.unbonding),
        "delegations": [
            {"validator": d.validator, "amount": str(d.amount),
             "pending_reward": str(d.pending_reward)} for d in r.delegations
        ],
        "unbonding_entries": [
            {"amount": str(u.amount), "release_epoch": u.release_epoch,
             "validator": u.validator, "matured": u.matured} for u in r.unbonding_entries
        ],
        "truncated": r.truncated, "epoch": r.epoch, "height": r.height,
    }  # fmt: skip


def make_staking_routes(
    get_view: Callable[[web.Request], NodeView], not_found: NotFound
) -> tuple[Route, ...]:
    async def on_validator(request: web.Request) -> web.Response:
        index = VALIDATOR_INDEX.get_required(request)
        record = get_view(request).get_staking_validator(index)
        if record is None:
            raise not_found(f"no validator {index} in the staking registry")
        return _json(encode_staking_validator(record))

    async def on_supply(request: web.Request) -> web.Response:
        return _json(encode_supply(get_view(request).get_supply()))

    async def on_delegations(request: web.Request) -> web.Response:
        key = ACCOUNT.get(request)
        try:
            record = get_view(request).get_delegations(key)
        except AccountQueryError as err:
            raise not_found(str(err)) from err
        return _json(encode_delegations(record))

    return (
        Route("GET", "/v1/staking/validator", "staking_validator",
              "A validator's stake, slashed amount and rewards in the staking ledger.",
              on_validator, ref("StakingValidator"), (VALIDATOR_INDEX,), errors=(400, 404, 503)),
        Route("GET", "/v1/staking/supply", "staking_supply",
              "The staking ledger's supply: genesis + minted - burned = held.", on_supply,
              ref("Supply")),
        Route("GET", "/v1/staking/delegations", "staking_delegations",
              "What the staking ledger holds for an account's key: self stake, delegations,"
              " unbonding entries.", on_delegations, ref("Delegations"), (ACCOUNT,),
              errors=(400, 404, 503)),
    )  # fmt: skip
