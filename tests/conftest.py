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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.slow`` tests run only when selected (``pytest -m slow``): a hook that sees
    the whole session's items, so it lives here once (it skipped every package's slow tests
    from tests/sim's conftest before)."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: select with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
