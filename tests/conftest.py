"""Shared test configuration: where the outside test vectors live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

VECTORS_DIR = Path(
    os.environ.get(
        "ZKPOV_VECTORS", Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
    )
)


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    if not VECTORS_DIR.is_dir():
        pytest.fail(f"test vectors not found at {VECTORS_DIR} (set ZKPOV_VECTORS)")
    return VECTORS_DIR
