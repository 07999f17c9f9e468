"""Fixtures shared by the command tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.ceremony_cli import build_small_ceremony


@pytest.fixture(scope="session")
def done(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished small ceremony (tests/support/ceremony_cli.py), built once per session for the
    slow tests of tests/commands/test_ceremony*.py; tests copy it before changing it."""
    d = tmp_path_factory.mktemp("c") / "ceremony"
    build_small_ceremony(d)
    return d
