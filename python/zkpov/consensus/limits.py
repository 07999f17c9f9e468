"""Bounds on what one validator's core keeps from peers (issue 9: bounded state, cheap rejection).

The core reads these as ``limits.NAME`` at call time, so a test can loosen one (``monkeypatch``)
to show that the attack it defends against bites without it.
"""

from __future__ import annotations

# Votes, timeouts and proposals for rounds above ``current + FUTURE_ROUND_WINDOW`` are dropped
# (their certificates are still processed, so a lagging node catches up).
FUTURE_ROUND_WINDOW = 4

# Proposals parked on a missing parent: count and total payload bytes.
MAX_PARKED_PROPOSALS = 16
MAX_PARKED_BYTES = 8 * 1024 * 1024

# Committed blocks the in-memory tree keeps below its root (block sync and reputation windows).
COMMITTED_TAIL_BLOCKS = 256

# Blocks of one leader in one round the tree accepts from proposals (two: equivocation is seen,
# evidence recorded, and the core's vote rule, not this cap, decides which one it votes for).
MAX_BLOCKS_PER_LEADER_ROUND = 2

# Timeout certificates that fail verification before the core stops checking new ones for a round.
MAX_TC_CHECKS_PER_ROUND = 2

# Outstanding block-sync requests, and the peers asked at once for one block.
MAX_SYNC_REQUESTS = 64
SYNC_FANOUT = 2
