"""The client's dataclasses against the OpenAPI document the node serves: every property of
each response schema has a field of a compatible type, and every field a property."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
import types
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import pytest

from zkpov.client import models as m
from zkpov.client.models import DECIMAL, HexSize
from zkpov.node.rpc.api import get_routes
from zkpov.node.rpc.schema import build_openapi

OPENAPI = build_openapi(get_routes(with_metrics=True), "test")
SCHEMAS: dict[str, Any] = OPENAPI["components"]["schemas"]
MODELS: dict[str, type] = {
    "Header": m.Header, "QuorumCert": m.QuorumCert, "Validator": m.Validator, "Block": m.Block,
    "Commit": m.Commit, "Validators": m.Validators, "Status": m.Status, "NetInfo": m.NetInfo,
    "Tx": m.Tx, "BroadcastResult": m.BroadcastResult, "Account": m.Account,
    "Finalized": m.Finalized, "Proof": m.Proof, "Event": m.Event,
    "StakingValidator": m.StakingValidator, "Supply": m.Supply, "Delegations": m.Delegations,
}  # fmt: skip
ROUTE_MODELS: dict[str, type] = {"/v1/light/updates": m.EpochChanges}  # inline schemas
NOT_MODELLED = {"Error", "Genesis"}  # errors raise RpcStatusError; genesis stays a JSON object
NOT_ANSWERS = {m.HexSize, m.TransferReceipt}  # an annotation; what send_transfer returns
REACHED: set[type] = set()  # every model check_model has compared with a schema
_FIXED_HEX = re.compile(r"\^\[0-9a-f\]\{(\d+)\}\$")


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return SCHEMAS[ref.rsplit("/", 1)[1]] if ref else schema


def _strip_none(kind: Any) -> tuple[Any, bool]:
    if get_origin(kind) in (Union, types.UnionType):
        rest = [arg for arg in get_args(kind) if arg is not type(None)]
        return rest[0], len(rest) < len(get_args(kind))
    return kind, False


def check_compatible(schema: dict[str, Any], kind: Any, where: str) -> None:
    """Fails unless ``kind`` holds exactly what ``schema`` allows (nullable both or neither)."""
    schema = _resolve(schema)
    any_of = schema.get("anyOf")
    kind, optional = _strip_none(kind)
    assert optional == (any_of is not None), f"{where}: nullable in one only"
    if any_of is not None:
        schema = _resolve(next(s for s in any_of if s != {"type": "null"}))
    base, extras = (get_args(kind)[0], get_args(kind)[1:]) if get_origin(kind) is Annotated else (
        kind, ())  # fmt: skip
    if schema.get("type") == "object":
        assert dataclasses.is_dataclass(base), where
        check_model(schema, base, where)
    elif schema.get("type") == "array":
        assert get_origin(base) is tuple, where
        check_compatible(schema["items"], get_args(base)[0], f"{where}[]")
    else:
        _check_scalar(schema, base, extras, where)


def _check_scalar(schema: dict[str, Any], base: Any, extras: tuple[Any, ...], where: str) -> None:
    pattern = schema.get("pattern", "")
    if "enum" in schema:
        assert base is str, where
    elif schema.get("type") == "integer":
        assert base is int and not extras, where
    elif schema.get("type") == "boolean":
        assert base is bool, where
    elif pattern == "^[0-9]+$":
        assert base is int and DECIMAL in extras, where
    elif "0-9a-f" in pattern:
        sizes = [extra.size * 2 for extra in extras if isinstance(extra, HexSize)]
        fixed = _FIXED_HEX.fullmatch(pattern)
        assert base is bytes and sizes == ([int(fixed[1])] if fixed else []), where
    else:
        assert schema == {"type": "string"} and base is str, where


def check_model(schema: dict[str, Any], model: Any, where: str) -> None:
    REACHED.add(model)
    hints = get_type_hints(model, include_extras=True)
    fields = [field.name for field in dataclasses.fields(model)]
    assert fields == list(schema["properties"]), f"{where}: fields differ from the properties"
    assert schema["required"] == fields and schema["additionalProperties"] is False
    for name in fields:
        check_compatible(schema["properties"][name], hints[name], f"{where}.{name}")


def test_every_response_schema_has_a_model() -> None:
    assert set(SCHEMAS) == set(MODELS) | NOT_MODELLED


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_matches_its_schema(name: str) -> None:
    check_model(SCHEMAS[name], MODELS[name], name)


def _route_schema(path: str) -> dict[str, Any]:
    answer = OPENAPI["paths"][path]["get"]["responses"]["200"]
    schema: dict[str, Any] = answer["content"]["application/json"]["schema"]
    return schema


@pytest.mark.parametrize("path", sorted(ROUTE_MODELS))
def test_route_model_matches_its_inline_schema(path: str) -> None:
    check_model(_route_schema(path), ROUTE_MODELS[path], path)


def test_the_check_catches_a_drift() -> None:
    @dataclasses.dataclass(frozen=True)
    class Drifted:
        index: int
        pubkey: bytes  # no 48-byte size
        voting_power: m.Decimal
        leader_weight: m.Decimal
        stake: m.Decimal
        slashed: m.Decimal
        registry_index: int | None

    with pytest.raises(AssertionError, match="pubkey"):
        check_model(SCHEMAS["Validator"], Drifted, "Validator")


def test_every_model_is_a_schema_or_a_nested_object_of_one() -> None:
    REACHED.clear()
    for name, model in MODELS.items():
        check_model(SCHEMAS[name], model, name)
    for path, model in ROUTE_MODELS.items():
        check_model(_route_schema(path), model, path)
    defined = _get_defined_models()
    assert defined - NOT_ANSWERS == REACHED
    assert all(getattr(m, model.__name__) is model for model in defined)  # each re-exported


def _get_defined_models() -> set[type]:
    """Every dataclass defined in a module of the models package."""
    names = [f"{m.__name__}.{info.name}" for info in pkgutil.iter_modules(m.__path__)]
    modules = [importlib.import_module(name) for name in names]
    return {
        v for module in modules for v in vars(module).values()
        if dataclasses.is_dataclass(v) and isinstance(v, type) and v.__module__ == module.__name__
    }  # fmt: skip
