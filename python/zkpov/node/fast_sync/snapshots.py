"""Which committed account state held at which height, for the heights a checkpoint may use.

The committed chain replaces its account state by a changed copy at each commit and never
mutates an adopted one, so holding a reference is a snapshot. After each commit the state is
known from the commit's last block with transfers on (a commit of several blocks hides the
states between its blocks with transfers: those heights are unknown). Entries below the one
that holds the proven-final height are dropped, and at most ``MAX_SNAPSHOTS`` are kept.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from zkpov.chain.state import AccountState
from zkpov.spec.messages import Block

__all__ = ["MAX_SNAPSHOTS", "StateSnapshots"]

MAX_SNAPSHOTS = 64  # account trees held at most (each a full copy of the accounts)


class StateSnapshots:
    """States by the first height they hold at; None marks heights whose state is unknown."""

    def __init__(self, height: int, state: AccountState) -> None:
        self._heights: list[int] = [height]
        self._states: list[AccountState | None] = [state]

    def on_commit(self, blocks: Sequence[Block], state: AccountState) -> None:
        """After the chain adopted ``state`` for ``blocks``."""
        changed = [block.height for block in blocks if block.payload]
        if not changed:
            return
        if changed[0] < changed[-1]:
            self._add(changed[0], None)
        self._add(changed[-1], state)

    def get(self, height: int) -> AccountState | None:
        """The state at ``height`` (not above the last commit), or None if unknown here."""
        slot = bisect.bisect_right(self._heights, height) - 1
        return self._states[slot] if slot >= 0 else None

    def on_proven_final(self, height: int) -> None:
        """Forgets the states below the one that holds at ``height``."""
        slot = bisect.bisect_right(self._heights, height) - 1
        if slot > 0:
            del self._heights[:slot], self._states[:slot]

    def _add(self, height: int, state: AccountState | None) -> None:
        self._heights.append(height)
        self._states.append(state)
        if len(self._heights) > MAX_SNAPSHOTS:  # proofs lag far behind: the oldest go first
            del self._heights[0], self._states[0]
