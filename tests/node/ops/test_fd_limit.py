"""Raising the soft descriptor limit, in a child process (the limit is per process)."""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import resource
from zkpov.node.ops.fd_limit import raise_fd_limit
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
new = raise_fd_limit()
print(new, resource.getrlimit(resource.RLIMIT_NOFILE)[0], hard, raise_fd_limit())
"""


def test_the_soft_limit_is_raised_to_the_hard_limit() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    new, actual, hard, again = (int(v) for v in out)
    assert new == actual > 64
    assert actual == hard or hard < 0  # RLIM_INFINITY (-1): raised to 2**20
    assert again == new  # already there: nothing to do
