"""What a running node serves to nodes that fast-sync from it (the RPC's ``/v1/fast_sync``).

The checkpoint is found afresh on each request (:func:`.checkpoint.find_checkpoint`) at or below
the proven-final height, at a height whose accounts and staking ledger this node holds; those of
the last few checkpoints served stay available, so a client's chunk requests keep working while
the chain moves on. A checkpoint carries the stored epoch endings from genesis to its epoch. The
ledger's encoding after each committed block is kept from as far below the proven-final height
as a checkpoint may lie (at most ``MAX_LEDGERS`` of them). The history below a checkpoint
(headers and evidence, :mod:`.history`) is read from the retained committed blocks.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

from zkpov.chain.state import AccountState
from zkpov.node.fast_sync.checkpoint import Checkpoint, find_checkpoint
from zkpov.node.fast_sync.epoch_changes import collect_epoch_changes
from zkpov.node.fast_sync.history import HistoryPage, build_history_page
from zkpov.node.fast_sync.ledger_chunks import LedgerChunk, build_ledger_chunk
from zkpov.node.fast_sync.snapshots import StateSnapshots
from zkpov.node.fast_sync.state_chunks import ServedState, StateChunk, build_state_chunk
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.node.state.epoch_endings import EpochEndingStore
from zkpov.spec.messages import Block

__all__ = ["MAX_LEDGERS", "MAX_SERVED_STATES", "FastSyncServer"]

MAX_SERVED_STATES = 4
MAX_LEDGERS = 256  # ledger encodings held, by committed height
_MAX_STATE_SCAN = 64
_LEDGER_REACH = _MAX_STATE_SCAN + 64  # a checkpoint lies this far below the proven-final height


class FastSyncServer:
    """Checkpoints and state chunks from ``chain``; ``get_proven`` gives the proven-final
    height and the verified proofs held (None when the node tracks no proofs)."""

    def __init__(
        self, chain: CommittedChain,
        get_proven: Callable[[], tuple[int, Mapping[int, bytes]] | None],
    ) -> None:  # fmt: skip
        self.chain = chain
        self.get_proven = get_proven
        self.endings = EpochEndingStore(chain.store)
        self.snapshots = StateSnapshots(_get_last_change(chain), chain.state)
        self.ledgers: dict[int, bytes] = dict(chain.ledger.encodings)
        self._served: OrderedDict[int, ServedState] = OrderedDict()
        self._served_ledgers: dict[int, bytes] = {}

    def on_commit(self, blocks: Sequence[Block], state: AccountState) -> None:
        self.snapshots.on_commit(blocks, state)
        self.ledgers.update(self.chain.ledger.encodings)
        proven = self.get_proven()
        if proven is not None:  # states below the proven-final one are of no further use
            self.snapshots.on_proven_final(proven[0])
        floor = -1 if proven is None else proven[0] - _LEDGER_REACH
        for height in sorted(self.ledgers)[: -MAX_LEDGERS or None]:
            del self.ledgers[height]
        for height in [h for h in self.ledgers if h < floor]:
            del self.ledgers[height]

    def get_checkpoint(self) -> Checkpoint | None:
        """The latest checkpoint whose accounts this node holds, or None."""
        proven = self.get_proven()
        if proven is None:
            return None
        top, proofs = proven
        self.snapshots.on_proven_final(top)
        for _ in range(_MAX_STATE_SCAN):  # a commit of several blocks hides some states
            if top <= 0 or self._holds(top):
                break
            top -= 1
        found = find_checkpoint(self.chain.get_block, self.chain.get_root(), top, proofs)
        state = None if found is None else self.snapshots.get(found.height)
        ledger = None if found is None else self.ledgers.get(found.height)
        if found is None or state is None or ledger is None:
            return None
        changes = collect_epoch_changes(self.endings, found.block.epoch)
        if changes is None:
            return None
        self._serve(ServedState(found.height, state), ledger)
        return dataclasses.replace(found, epoch_changes=changes)

    def _holds(self, height: int) -> bool:
        return self.snapshots.get(height) is not None and height in self.ledgers

    def _serve(self, served: ServedState, ledger: bytes) -> None:
        if served.height not in self._served:
            self._served[served.height] = served
        self._served.move_to_end(served.height)
        while len(self._served) > MAX_SERVED_STATES:
            self._served.popitem(last=False)
        self._served_ledgers = {h: self._served_ledgers.get(h, ledger) for h in self._served}

    def get_ledger_chunk(self, height: int, index: int) -> LedgerChunk | None:
        """Chunk ``index`` of a served checkpoint's staking ledger; None if that checkpoint is
        not (or no longer) served, or past its last chunk."""
        encoding = self._served_ledgers.get(height)
        return None if encoding is None else build_ledger_chunk(height, encoding, index)

    def get_history_page(self, height: int, start: int) -> HistoryPage | None:
        """A page of the history below the committed block at ``height``, from ``start`` down;
        None if either block is not retained here (pruned, or below a fast-synced base)."""
        return build_history_page(self.chain.get_block, height, start)

    def get_chunk(self, height: int, level: int, position: int) -> StateChunk | None:
        """A chunk of a checkpoint's accounts; None if that checkpoint is not (or no longer)
        served; ``ValueError`` for a node outside the tree."""
        served = self._served.get(height)
        return None if served is None else build_state_chunk(served, level, position)


def _get_last_change(chain: CommittedChain) -> int:
    """The height from which the committed accounts have held: the last retained block with
    transfers (the pruning floor if none is retained)."""
    for block in reversed(chain.blocks):
        if block.payload:
            return block.height
    return chain.base
