"""The ``slow`` marker's rule for the test packages that hold long runs (tests/sim, tests/evm):
their ``@pytest.mark.slow`` tests run only when selected with ``pytest -m slow``."""

from __future__ import annotations

import pytest


def skip_slow_unless_selected(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: select with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
