"""Long simulator runs (``@pytest.mark.slow``) run only when selected: ``pytest -m slow``."""

from __future__ import annotations

from tests.support.slow import skip_slow_unless_selected

pytest_collection_modifyitems = skip_slow_unless_selected
