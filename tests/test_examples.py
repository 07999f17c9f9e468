"""Each script of examples/ runs to the end, as a user would run it, and shows what it says.

Every script is a subprocess of this interpreter with the checkout's examples/ as its folder;
the two node examples start a real one-validator node (proofs on) on free loopback ports.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HELPERS = {"local_node.py"}  # imported by the node examples, not run on its own
# What each script must print: the thing it shows happened.
EXPECTED = {
    "embed_engine.py": ("QC for round 4", "commits block"),
    "watch_events.py": ("proven_final: height", "saw every kind"),
    "send_transfers.py": ("committed at height", "refused: insufficient_balance"),
    "custom_adversary.py": ("invariant violations 0", "stayed safe"),
}


def test_every_example_is_run_here() -> None:
    scripts = {path.name for path in EXAMPLES.glob("*.py")} - HELPERS
    assert scripts == set(EXPECTED)


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs(script: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for fragment in EXPECTED[script]:
        assert fragment in done.stdout, done.stdout
