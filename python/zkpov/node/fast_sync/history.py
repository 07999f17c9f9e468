"""The committed offence index at a checkpoint, rebuilt from the headers and evidence below it
(``/v1/fast_sync/history``).

Evidence older than ``MAX_EVIDENCE_AGE_ROUNDS`` rounds before its block is refused, so the index
at a checkpoint ``P`` of round ``R`` only holds offences included by blocks of rounds above
``R - MAX_EVIDENCE_AGE_ROUNDS``. No header field commits to the index, so it is rebuilt from
authenticated data: the history, the headers from ``P`` down to the first block whose round is
at most ``R - MAX_EVIDENCE_AGE_ROUNDS``, or to height 1 (genesis carries no evidence), each with
its block's evidence. Rounds rise along the chain, so it holds at most ``MAX_HISTORY_BLOCKS``.

The client checks that the first header is ``P``'s (its id is the verified checkpoint block's),
that each next one is its child's parent (its id is the child's ``parent_id``, one height
below), and that each block's evidence hashes to its header's ``evidence_digest``
(:func:`~zkpov.spec.messages.compute_evidence_digest`, as consensus computes it). Then the
evidence is decoded as voters decode it (capped) and the index built oldest block first with
:meth:`~zkpov.consensus.evidence_index.EvidenceIndex.add`, as the node's ledger builds it (same
pruning by age). Any failure is a :class:`~zkpov.errors.FastSyncError`.

A server serves the blocks it retains (its store's base up). One whose blocks do not reach down
far enough - pruned below the range, or fast-synced itself less than ``MAX_EVIDENCE_AGE_ROUNDS``
rounds before the checkpoint (a fast-synced node keeps no history below its own checkpoint) -
answers 404: the joiner's fast sync fails with one WARNING line and it replays from genesis. It
never installs a checkpoint without the index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zkpov.consensus.evidence_check import decode_block_evidence
from zkpov.consensus.evidence_index import (
    MAX_EVIDENCE_AGE_ROUNDS,
    EvidenceIndex,
    Offence,
    get_offence,
)
from zkpov.errors import FastSyncAnswerError, FastSyncHistoryError
from zkpov.spec.codec.evidence import encode_header
from zkpov.spec.messages import Block, BlockHeader, compute_evidence_digest
from zkpov.spec.payload import InvalidBlock

__all__ = [
    "MAX_HISTORY_BLOCKS",
    "MAX_PAGE_ENTRIES",
    "PAGE_BYTES",
    "HistoryEntry",
    "HistoryPage",
    "build_history_page",
    "compute_offences",
    "fetch_history",
    "is_history_end",
]

MAX_HISTORY_BLOCKS = MAX_EVIDENCE_AGE_ROUNDS + 1
MAX_PAGE_ENTRIES = 128
PAGE_BYTES = 1 << 20  # headers and evidence in one page (one entry at most about 33 KiB)


@dataclass(frozen=True)
class HistoryEntry:
    header: BlockHeader
    evidence: tuple[bytes, ...]

    @property
    def size(self) -> int:
        """Its bytes on the wire (before hex)."""
        return len(encode_header(self.header)) + sum(map(len, self.evidence))


@dataclass(frozen=True)
class HistoryPage:
    """Entries of the history of the checkpoint at ``height``, from ``start`` downward."""

    height: int
    start: int
    entries: tuple[HistoryEntry, ...]


def is_history_end(header: BlockHeader, checkpoint_round: int) -> bool:
    """Nothing below ``header`` can hold an offence of the checkpoint's index."""
    return header.height <= 1 or header.round <= checkpoint_round - MAX_EVIDENCE_AGE_ROUNDS


GetBlock = Callable[[int], Block | None]


def build_history_page(get_block: GetBlock, height: int, start: int) -> HistoryPage | None:
    """Entries from ``start`` down, within the caps, ending at the history's end; None if the
    checkpoint or the block at ``start`` is not held here (pruned, or below our base)."""
    top = get_block(height)
    if top is None or not 1 <= start <= height:
        return None
    entries: list[HistoryEntry] = []
    size = 0
    for block in map(get_block, range(start, max(0, start - MAX_PAGE_ENTRIES), -1)):
        if block is None:
            break
        entry = HistoryEntry(block.header, block.evidence)
        if entries and size + entry.size > PAGE_BYTES:
            break
        entries.append(entry)
        size += entry.size
        if is_history_end(block.header, top.round):
            break
    return HistoryPage(height, start, tuple(entries)) if entries else None


GetPage = Callable[[int], HistoryPage]  # start -> the server's (decoded) page


def fetch_history(get_page: GetPage, checkpoint: Block) -> list[HistoryEntry]:
    """The history of ``checkpoint``, newest first, page by page, each entry checked."""
    found: list[HistoryEntry] = []
    while not found or not is_history_end(found[-1].header, checkpoint.round):
        if len(found) >= MAX_HISTORY_BLOCKS:
            raise FastSyncHistoryError(f"a history of more than {MAX_HISTORY_BLOCKS} blocks")
        start = checkpoint.height - len(found)
        page = get_page(start)
        if (page.height, page.start) != (checkpoint.height, start) or not page.entries:
            raise FastSyncAnswerError(f"history page {start} is not the one asked for")
        _add_page(found, page.entries, checkpoint)
    return found


def _add_page(
    found: list[HistoryEntry], entries: Sequence[HistoryEntry], checkpoint: Block
) -> None:
    for entry in entries:
        if found and is_history_end(found[-1].header, checkpoint.round):
            raise FastSyncHistoryError("a history page goes on past the history's end")
        expected = found[-1].header.parent_id if found else checkpoint.id
        _check_entry(entry, expected, checkpoint.height - len(found))
        found.append(entry)


def _check_entry(entry: HistoryEntry, block_id: bytes, height: int) -> None:
    header = entry.header
    if header.height != height or header.id != block_id:
        raise FastSyncHistoryError(f"the header at height {height} does not link to the next")
    if compute_evidence_digest(entry.evidence) != header.evidence_digest:
        raise FastSyncHistoryError(f"the evidence of block {height} is not its header's")


def compute_offences(history: Sequence[HistoryEntry]) -> list[Offence]:
    """The committed offence index after the newest block of ``history`` (newest first)."""
    index = EvidenceIndex()
    for entry in reversed(history):
        try:
            evidence = decode_block_evidence(entry.evidence)
        except InvalidBlock as err:
            raise FastSyncHistoryError(f"block {entry.header.height}: {err}") from err
        index.add(map(get_offence, evidence), entry.header.round)
    return sorted(index.offences)
