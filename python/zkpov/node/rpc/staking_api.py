"""The staking routes (``/v1/staking/...``) over the committed staking ledger.

- ``validator?index=``: one validator's stake (self and delegated), slashed amount, status,
  commission and ledger balance (rewards so far);
- ``supply``: the supply equation the node checks after every block.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from zkpov.node.rpc.params import QueryParam, compute_bounded_int
from zkpov.node.rpc.schema import Route, ref
from zkpov.node.rpc.staking_view import StakingValidatorRecord, SupplyRecord
from zkpov.node.rpc.view import NodeView

__all__ = ["VALIDATOR_INDEX", "encode_staking_validator", "encode_supply", "make_staking_routes"]

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
    doc: dict[str, Any] = {"height": r.height}
    doc |= {name: str(getattr(r, name)) for name in (*amounts, "balances", "outstanding")}
    return doc | {"conserved": r.conserved}


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

    return (
        Route("GET", "/v1/staking/validator", "staking_validator",
              "A validator's stake, slashed amount and rewards in the staking ledger.",
              on_validator, ref("StakingValidator"), (VALIDATOR_INDEX,), errors=(400, 404, 503)),
        Route("GET", "/v1/staking/supply", "staking_supply",
              "The staking ledger's supply: genesis + minted - burned = held.", on_supply,
              ref("Supply")),
    )  # fmt: skip
