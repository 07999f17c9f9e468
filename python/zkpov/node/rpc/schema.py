"""The RPC's route table type and the OpenAPI 3.1 description built from it.

``zkpov.node.rpc.api`` lists its routes once (:class:`Route`); the application mounts them and
:func:`build_openapi` describes them, so the description cannot drift from what is served.
Response schemas are strict (every property required, no others), and the tests check served
responses against them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from zkpov.node.rpc.params import QueryParam
from zkpov.node.state.admission import DROP_REASONS, REJECT_REASONS

__all__ = ["COMPONENTS", "VERIFYING_KEY_SCHEMA", "Handler", "Route", "build_openapi", "ref"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Schema = dict[str, Any]

_ERROR_TEXT = {
    400: "Invalid query parameter or request body.",
    404: "Not found (unknown height, pruned block, unknown transaction, no such account slot,"
    " not yet proven).",
    413: "Request body too large.",
    415: "Request body is not application/json.",
    503: "The node cannot answer now (starting, shutting down, too many subscribers).",
}


@dataclass(frozen=True)
class Route:
    """One RPC endpoint: what the server mounts and what OpenAPI describes."""

    method: str
    path: str
    operation_id: str
    summary: str
    handler: Handler
    response: Schema
    params: tuple[QueryParam[Any], ...] = ()
    body: Schema | None = None
    content_type: str = "application/json"
    errors: tuple[int, ...] = (503,)


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _hex(length: int | None = None) -> Schema:
    if length is None:
        return {"type": "string", "pattern": "^([0-9a-f]{2})*$"}
    return {"type": "string", "pattern": f"^[0-9a-f]{{{2 * length}}}$"}


def _nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Schema]) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


_UINT: Schema = {"type": "integer", "minimum": 0}
_DROP_CODES = sorted({*REJECT_REASONS, *DROP_REASONS})  # why /tx says a transfer was dropped
_DECIMAL: Schema = {"type": "string", "pattern": "^[0-9]+$", "description": "decimal integer"}
_HASH = _hex(32)

_HEADER = _object({
    "block_id": _HASH, "epoch": _UINT, "round": _UINT, "height": _UINT, "parent_id": _HASH,
    "proposer": _UINT, "state_root": _HASH, "qc_digest": _HASH, "payload_digest": _HASH,
    "evidence_digest": _HASH, "proof_digest": _HASH, "randao_reveal": _hex(),
    "timestamp_ms": {**_UINT, "description": "proposer's wall clock, Unix milliseconds"},
    "validator_set_commitment": _HASH,
    "next_validator_set_commitment": {
        **_hex(), "description": "empty except in epoch-ending headers",
    },
    "staking_root": {
        **_hex(), "description": "SHA-256 of ZKPOV/STAKING/v1 and the staking ledger's encoding"
        " after the block (re-executed by every voter); empty in genesis headers",
    },
})  # fmt: skip
_QC = _object({
    "epoch": _UINT, "round": _UINT, "block_id": _HASH, "parent_round": _UINT,
    "parent_id": _HASH, "signature": _hex(),
    "signers": {**_hex(), "description": "bitfield of validator indices, little-endian bits"},
})  # fmt: skip
_VALIDATOR = _object({
    "index": {**_UINT, "description": "place in the epoch's committed set (signer bitfields)"},
    "pubkey": _hex(48),
    "voting_power": {**_DECIMAL, "description": "stake in the epoch's committed set, frozen at"
                     " the epoch boundary: what QCs and TCs weigh"},
    "leader_weight": _DECIMAL,
    "stake": {**_DECIMAL, "description": "live: bonded stake in the staking ledger (at"
              " ledger_height); counts from the next epoch change"},
    "slashed": {**_DECIMAL, "description": "live: stake burned by slashing so far"},
    "registry_index": {**_nullable(_UINT), "description": "index in the staking ledger"
                       " (/v1/staking/validator?index=); null: not registered"},
})  # fmt: skip
_SYNC = _object({
    "latest_block_height": _UINT, "latest_block_id": _HASH, "latest_state_root": _HASH,
    "latest_block_round": _UINT, "earliest_block_height": _UINT,
    "proven_final_height": _nullable(_UINT), "current_round": _UINT,
    "catching_up": {"type": "boolean"},
})  # fmt: skip
_PEER = _object({
    "node_id": _hex(), "validator_pubkey": _hex(48), "address": {"type": "string"},
    "outbound": {"type": "boolean"}, "bytes_received": _UINT, "bytes_sent": _UINT,
    "validator_index": _nullable(_UINT),
})  # fmt: skip

COMPONENTS: dict[str, Schema] = {
    "Error": _object({"error": _object({"code": _UINT, "message": {"type": "string"}})}),
    "Header": _HEADER,
    "QuorumCert": _QC,
    "Validator": _VALIDATOR,
    "Block": _object({
        "block_id": _HASH, "header": ref("Header"), "qc": ref("QuorumCert"),
        "txs": {"type": "array", "items": _hex()},
        "evidence": {"type": "array", "items": _hex()}, "proof": _hex(),
    }),
    "Commit": _object({
        "height": _UINT, "block_id": _HASH, "header": ref("Header"),
        "certificate": ref("QuorumCert"), "commit_certificate": _nullable(ref("QuorumCert")),
    }),
    "Validators": _object({
        "block_height": _UINT, "epoch": _UINT, "count": _UINT, "total": _UINT,
        "total_power": {**_DECIMAL, "description": "sum of voting_power over the whole set"},
        "validator_set_commitment": {**_HASH, "description": "of the epoch, keys and voting"
                                     " powers: the one the epoch's headers carry"},
        "ledger_height": {**_UINT, "description": "the committed height whose staking ledger"
                          " stake and slashed are read from"},
        "validators": {"type": "array", "items": ref("Validator")},
    }),
    "Status": _object({
        "node_info": _object({
            "node_id": _hex(), "chain_id": {"type": "string"}, "version": {"type": "string"},
            "setup": {
                "enum": ["insecure", "ceremony"],
                "description": "how the genesis says the Groth16 keys were made",
            },
        }),
        "epoch": _UINT, "sync_info": _SYNC, "validator_info": _nullable(ref("Validator")),
    }),
    "NetInfo": _object({
        "listening": {"type": "boolean"}, "listen_address": {"type": "string"},
        "n_peers": _UINT, "peers": {"type": "array", "items": _PEER},
    }),
    "Genesis": _object({"genesis_hash": _HASH, "genesis": {"type": "object"}}),
    "Tx": _object({
        "hash": _HASH, "status": {"enum": ["committed", "pending", "dropped"]},
        "height": _nullable(_UINT), "index": _nullable(_UINT), "tx": _nullable(_hex()),
        "reason": _nullable({"enum": _DROP_CODES}), "message": _nullable({"type": "string"}),
    }),
    "BroadcastResult": _object({
        "hash": _HASH, "accepted": {"type": "boolean"},
        "reason": {"enum": ["", *REJECT_REASONS], "description": "empty if accepted"},
        "message": {"type": "string"},
    }),
    "Account": _object({
        "index": _DECIMAL, "public_key": _nullable(_hex(32)), "balance": _DECIMAL,
        "nonce": _UINT, "pending_nonce": _UINT, "height": _UINT, "state_root": _HASH,
        "proof": _nullable(_object({
            "depth": _UINT, "leaf": _HASH,
            "siblings": {"type": "array", "items": {"type": "array", "items": _HASH}},
        })),
        "bonded": {**_DECIMAL, "description": "staking ledger: self stake plus delegations"},
        "unbonding": {**_DECIMAL, "description": "staking ledger: unbonding entries"},
    }),
    "Finalized": _object({
        "height": _UINT, "block_id": _HASH, "header": ref("Header"),
        "commit_certificate": ref("QuorumCert"), "validator_set_commitment": _HASH,
        "proven_final_height": _nullable(_UINT),
    }),
    "Proof": _object({
        "height": _UINT, "proven_in": _UINT, "circuit_id": {"type": "string"}, "proof": _hex(),
        "public_inputs": {"type": "array", "items": _HASH},
    }),
    "Event": _object({
        "type": {
            "enum": ["new_block", "finalized", "proven_final", "slashed", "rewards", "epoch_change"]
        },
        "height": _UINT, "block_id": _HASH, "state_root": _HASH, "round": _UINT,
        "num_txs": _UINT,
        "validator": {**_nullable(_UINT), "description": "slashed: the offender"},
        "amount": {**_nullable(_DECIMAL), "description": "slashed: burned; rewards: minted"},
        "epoch": {**_nullable(_UINT), "description": "epoch_change: the epoch that began"},
        "joined": {
            **_nullable({"type": "array", "items": _UINT}),
            "description": "epoch_change: registry indices that joined the set",
        },
        "left": {
            **_nullable({"type": "array", "items": _UINT}),
            "description": "epoch_change: registry indices that left the set",
        },
    }),
    "StakingValidator": _object({
        "index": _UINT, "pubkey": _hex(48), "owner": _hex(), "status": {
            "enum": ["pending", "active", "exiting", "exited", "slashed"],
        },
        "self_stake": _DECIMAL, "delegated": _DECIMAL, "stake": _DECIMAL, "slashed": _DECIMAL,
        "commission_bps": _UINT, "balance": {**_DECIMAL, "description": "ledger balance"},
        "owner_pending": {**_DECIMAL, "description": "owner's unsettled rewards (lazy)"},
        "outstanding": {**_DECIMAL, "description": "rewards pooled for its holders"},
        "height": _UINT,
    }),
    "Supply": _object({
        "height": _UINT, "initial": _DECIMAL, "minted": _DECIMAL, "burned": _DECIMAL,
        "slashed": _DECIMAL, "total": _DECIMAL, "bonded": _DECIMAL, "unbonding": _DECIMAL,
        "balances": _DECIMAL, "outstanding": _DECIMAL,
        "deposited": {**_DECIMAL, "description": "bonds in from the account tree"},
        "withdrawn": {**_DECIMAL, "description": "payouts out to the account tree"},
        "conserved": {"type": "boolean"},
    }),
    "Delegations": _object({
        "account": _DECIMAL, "owner": _nullable(_hex(32)), "self_stake": _DECIMAL,
        "delegated": _DECIMAL, "unbonding": _DECIMAL,
        "delegations": {"type": "array", "items": _object({
            "validator": _UINT, "amount": _DECIMAL,
            "pending_reward": {**_DECIMAL, "description": "unsettled (lazy) rewards"},
        })},
        "unbonding_entries": {"type": "array", "items": _object({
            "amount": _DECIMAL, "release_epoch": _UINT, "validator": _nullable(_UINT),
            "matured": {"type": "boolean", "description": "a withdraw may take it now"},
        })},
        "truncated": {"type": "boolean", "description": "lists cut at 1024 entries"},
        "epoch": _UINT, "height": _UINT,
    }),
}  # fmt: skip


_COORD: Schema = {"type": "string", "pattern": "^0x[0-9a-f]{96}$"}
_G1: Schema = {"type": "array", "items": _COORD, "minItems": 2, "maxItems": 2}
_FP2: Schema = {"type": "array", "items": _COORD, "minItems": 2, "maxItems": 2}
_G2: Schema = {"type": "array", "items": _FP2, "minItems": 2, "maxItems": 2}
VERIFYING_KEY_SCHEMA: Schema = _object({
    "format": {"enum": ["zkpov-groth16-vk/1"]}, "curve": {"enum": ["bls12-381"]},
    "circuit_id": _hex(32), "public_input_count": {"type": "integer", "minimum": 0},
    "key_sha256": _hex(32), "alpha_g1": _G1, "beta_g2": _G2, "gamma_g2": _G2, "delta_g2": _G2,
    "ic": {"type": "array", "items": _G1, "minItems": 1},
})  # fmt: skip
"""``GET /v1/circuit/vk``: the format of :mod:`zkpov.crypto.vk_json` (inline, not a component:
clients decode it with ``decode_vk_json``)."""


def _describe_param(param: QueryParam[Any]) -> Schema:
    return {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": param.description,
        "schema": param.schema,
    }


def _describe_responses(route: Route) -> Schema:
    ok = {"description": "OK", "content": {route.content_type: {"schema": route.response}}}
    responses: Schema = {"200": ok}
    for status in route.errors:
        content = {"application/json": {"schema": ref("Error")}}
        responses[str(status)] = {"description": _ERROR_TEXT[status], "content": content}
    return responses


def _describe_operation(route: Route) -> Schema:
    operation: Schema = {"operationId": route.operation_id, "summary": route.summary}
    if route.params:
        operation["parameters"] = [_describe_param(param) for param in route.params]
    if route.body is not None:
        content = {"application/json": {"schema": route.body}}
        operation["requestBody"] = {"required": True, "content": content}
    operation["responses"] = _describe_responses(route)
    return operation


def build_openapi(routes: Sequence[Route], version: str) -> Schema:
    """The OpenAPI 3.1 document describing ``routes``."""
    paths: dict[str, Schema] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _describe_operation(route)
    return {
        "openapi": "3.1.0",
        "info": {"title": "zkpov node RPC", "version": version},
        "paths": paths,
        "components": {"schemas": COMPONENTS},
    }
