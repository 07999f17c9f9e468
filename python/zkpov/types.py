"""Named types used across zkpov (pyspec style: a name says what an ``int`` or ``bytes`` means)."""

from __future__ import annotations

from typing import NewType

__all__ = [
    "BLSPubkey",
    "BLSSignature",
    "BlockId",
    "Epoch",
    "Height",
    "NodeId",
    "Root",
    "Round",
    "Seconds",
    "Stake",
    "ValidatorIndex",
]

Round = NewType("Round", int)
Epoch = NewType("Epoch", int)
Height = NewType("Height", int)
ValidatorIndex = NewType("ValidatorIndex", int)
Stake = NewType("Stake", int)
Root = NewType("Root", bytes)
BlockId = NewType("BlockId", bytes)
BLSPubkey = NewType("BLSPubkey", bytes)
BLSSignature = NewType("BLSSignature", bytes)
NodeId = NewType("NodeId", int)
Seconds = NewType("Seconds", float)
