"""py-spy summaries of a node: stacks summed by function, the entry chain left out, a real
recording of a live process, and a clear answer when py-spy is missing."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from zkpov.devnet import node_profile
from zkpov.devnet.node_profile import record_profile, summarize_stacks

STACKS = """\
main (m.py);loop (m.py);apply (s.py) 60
main (m.py);loop (m.py);verify (c.py) 30
main (m.py);loop (m.py) 5
other (t.py) 5
not a stack line
"""

BUSY = "import time\nt = time.time()\nwhile time.time() - t < 20:\n    sum(range(1000))\n"


def test_stacks_are_summed_by_function() -> None:
    profile = summarize_stacks(STACKS)
    assert profile.samples == 100
    assert profile.self_share[:3] == [("apply (s.py)", 0.6), ("verify (c.py)", 0.3),
                                      ("loop (m.py)", 0.05)]  # fmt: skip
    assert ("main (m.py)", 0.95) not in profile.total_share  # on 95% of stacks: the entry
    assert ("apply (s.py)", 0.6) in profile.total_share


def test_a_missing_py_spy_is_reported_not_faked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(node_profile, "find_py_spy", lambda: None)
    profile = asyncio.run(record_profile(1, 0, 1.0, tmp_path / "out.txt"))
    assert "not installed" in profile.unavailable and profile.samples == 0


def test_a_live_process_is_sampled(tmp_path: Path) -> None:
    busy = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        profile = asyncio.run(record_profile(busy.pid, 2, 1.0, tmp_path / "out.txt"))
    finally:
        busy.kill()
        busy.wait()
    assert profile.unavailable == ""
    assert profile.node == 2 and profile.samples > 20 and profile.busy > 0.2
    assert profile.self_share[0][0].startswith("<module>")
