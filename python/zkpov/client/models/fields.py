"""The field types of the models, read by :mod:`zkpov.client.codec`: hex that becomes ``bytes``
of an exact length, and decimal strings that become ``int``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

__all__ = ["DECIMAL", "AccountKey", "Decimal", "Hash", "HexSize", "PublicKey"]


@dataclass(frozen=True)
class HexSize:
    """A hex field's exact length in bytes."""

    size: int


DECIMAL = "decimal"
Hash = Annotated[bytes, HexSize(32)]
PublicKey = Annotated[bytes, HexSize(48)]
AccountKey = Annotated[bytes, HexSize(32)]
Decimal = Annotated[int, DECIMAL]
