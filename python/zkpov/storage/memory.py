"""In-memory SafetyData store for tests and the simulator (a simulated crash keeps it)."""

from __future__ import annotations

from zkpov.spec.codec.safety_data import decode_safety_data, encode_safety_data
from zkpov.spec.safety_data import SafetyData

__all__ = ["MemorySafetyStore"]


class MemorySafetyStore:
    """Keeps the encoded bytes, so a round trip through the encoding is exercised too."""

    def __init__(self) -> None:
        self._blob: bytes | None = None
        self.writes = 0

    def load(self) -> SafetyData | None:
        return None if self._blob is None else decode_safety_data(self._blob)

    def save(self, data: SafetyData) -> None:
        self._blob = encode_safety_data(data)
        self.writes += 1
