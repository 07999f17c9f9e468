"""Shared test configuration: where the outside test vectors live (tests/vectors, in the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

VECTORS_DIR = Path(__file__).resolve().parent / "vectors"


def vector_file(*parts: str) -> Path:
    """A file under tests/vectors; a missing one fails the test (never skips it)."""
    path = VECTORS_DIR.joinpath(*parts)
    if not path.is_file():
        pytest.fail(f"test vector {path} is missing (see tests/vectors/README.md)")
    return path
