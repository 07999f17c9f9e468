"""zkpov: proof-of-stake BFT consensus (stake-weighted Jolteon) with Groth16 validity proofs.

The top-level names are imported lazily so that ``import zkpov`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "ConsensusConfig": "zkpov.config",
    "CircuitConfig": "zkpov.crypto.snark",
    "ConsensusEngine": "zkpov.engine",
    "ConsensusDecision": "zkpov.engine",
    "ZKProof": "zkpov.engine",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'zkpov' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
