"""The node's peers by registry index: the committed staking ledger's validators in order (the
genesis set first, then each ``create_validator`` as it commits).

The transport admits exactly these keys and the reactor names frames by their index, so a
validator that joins by transaction becomes a peer once its join commits. The registry only
grows and a registered key never changes, so the cache here is extended, never rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import overload

from zkpov.chain.containers import Validator
from zkpov.types import ValidatorIndex

__all__ = ["UNREGISTERED", "RegistryKeys"]

# The index of a validator whose key is not (yet) in the registry: a member of no epoch's set,
# so its cores run as observers until its join commits.
UNREGISTERED = ValidatorIndex(2**32 - 1)


class RegistryKeys(Sequence[bytes]):
    """The registry's BLS public keys (bytes) by registry index, read live from the ledger."""

    def __init__(self, get_validators: Callable[[], Sequence[Validator]]) -> None:
        self._get_validators = get_validators
        self._keys: list[bytes] = []
        self._index: dict[bytes, int] = {}

    def _refresh(self) -> None:
        validators = self._get_validators()
        for validator in validators[len(self._keys) :]:
            self._index.setdefault(bytes(validator.pubkey), len(self._keys))
            self._keys.append(bytes(validator.pubkey))

    def __len__(self) -> int:
        self._refresh()
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> bytes: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[bytes]: ...
    def __getitem__(self, index: int | slice) -> bytes | Sequence[bytes]:
        self._refresh()
        return self._keys[index]

    def __contains__(self, key: object) -> bool:
        self._refresh()
        return key in self._index

    def index(self, key: object, start: int = 0, stop: int | None = None) -> int:
        """The registry index of ``key`` (``ValueError`` if not registered)."""
        self._refresh()
        found = self._index.get(key) if isinstance(key, bytes) else None
        if found is None or found < start or (stop is not None and found >= stop):
            raise ValueError("key not in the registry")
        return found

    def get_index(self, key: bytes) -> ValidatorIndex | None:
        return ValidatorIndex(self.index(key)) if key in self else None
