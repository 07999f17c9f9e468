"""Block sync: fetch missing ancestors of certified blocks from the peers that hold them.

A request goes to ``limits.SYNC_FANOUT`` of the block's holders at once (the proposer of the
child that named it, then the signers of the QC that certifies it) and is retried with the next
holders every base timeout until the block arrives, so one peer that lacks the block (or lies)
cannot stall a node that is behind. Requests, parked proposals and orphans are bounded, and so
is what answers the node cannot use cost it (:mod:`zkpov.consensus.sync_guard`): a block that
fails its check is refused for a while with the orphans above it, only the lowest missing
parent of a run of orphans is asked for, and a peer whose answers add nothing waits longer and
longer before it is asked again.

Fork choice when syncing: we fetch the branch of the highest certified block we learn of; its
blocks are linked by hash to a certified id, and each must verify (its QC and its validity check)
before it is inserted, so a branch with an invalid block is never adopted.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from zkpov.consensus import limits
from zkpov.consensus.actions import Action, SendTo
from zkpov.consensus.block_tree import BlockTree
from zkpov.consensus.quorum import InvalidCertificate, verify_qc
from zkpov.consensus.sync_guard import REFUSE_FACTOR, PeerBackoff, RefusedBlocks
from zkpov.consensus.validity import ValidityChecker
from zkpov.constants import MAX_MESSAGE_BYTES, MAX_SYNC_BLOCKS
from zkpov.errors import DecodeError
from zkpov.spec.encoding import get_bitfield_indices
from zkpov.spec.messages import Block, BlockRequest, BlockResponse, Proposal, QuorumCert
from zkpov.spec.payload import InvalidBlock
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BlockId, ValidatorIndex

__all__ = ["BlockSync", "SyncResult", "compute_holders", "take_answer_blocks"]

_MAX_ORPHANS = 4 * MAX_SYNC_BLOCKS
_MAX_ATTEMPTS = 8
# Payload, proof and evidence bytes in one answer after its first block: half a message, so the
# headers and QCs (well under 1 KiB a block) fit the rest and the peer's decoder takes it.
SYNC_ANSWER_BYTES = MAX_MESSAGE_BYTES // 2


def compute_holders(qc: QuorumCert, size: int, first: ValidatorIndex | None = None) -> list[int]:
    """Who holds the block ``qc`` certifies: ``first`` (its child's proposer), then its signers."""
    try:
        signers = get_bitfield_indices(qc.signers, size)
    except DecodeError:
        signers = []
    head = [] if first is None else [int(first)]
    return head + [i for i in signers if i != first]


def _get_size(proposal: Proposal) -> int:
    return len(proposal.block.payload) + len(proposal.block.proof)


def _get_blob_bytes(block: Block) -> int:
    return len(block.payload) + len(block.proof) + sum(map(len, block.evidence))


def take_answer_blocks(blocks: list[Block]) -> list[Block]:
    """The first block, then the next ones while their blobs stay within ``SYNC_ANSWER_BYTES``
    (large blocks would otherwise make an answer the asker's decoder refuses)."""
    total = 0
    for i, block in enumerate(blocks):
        total += _get_blob_bytes(block)
        if i and total > SYNC_ANSWER_BYTES:
            return blocks[:i]
    return blocks


@dataclass(frozen=True)
class SyncResult:
    """What a block response did: the blocks inserted (parents first) and the requests to send
    for the parents that orphans still lack."""

    inserted: list[Block] = field(default_factory=list)
    requests: list[Action] = field(default_factory=list)


@dataclass
class SyncRequest:
    holders: list[int]
    sent_at: float
    next_holder: int = 0
    attempts: int = 0
    proposals: list[Proposal] = field(default_factory=list)


class BlockSync:
    """Requests, parked proposals and orphan blocks of one core.

    It inserts into ``tree`` only blocks whose QC verifies against ``vset`` and that pass
    ``checker``; it returns what it inserted and leaves the consequences to the core. A request
    is retried with the next holders every ``retry_after`` seconds.
    """

    def __init__(
        self,
        tree: BlockTree,
        vset: ValidatorSet,
        checker: ValidityChecker,
        index: ValidatorIndex,
        retry_after: float,
    ) -> None:
        self.tree, self.vset, self.checker = tree, vset, checker
        self.index, self.retry_after = index, retry_after
        self.requests: dict[BlockId, SyncRequest] = {}
        self.parked_bytes = 0
        self.orphans: dict[BlockId, Block] = {}
        self.refused = RefusedBlocks(REFUSE_FACTOR * retry_after)
        self.backoff = PeerBackoff(retry_after)

    def request_block(
        self, block_id: BlockId, holders: list[int], proposal: Proposal | None, now: float
    ) -> list[Action]:
        """Ask holders for ``block_id`` (and ancestors); park ``proposal`` until it arrives.
        Nothing for a refused block."""
        if self.refused.is_refused(block_id, now):
            return []
        request = self.requests.get(block_id)
        if request is None:
            if len(self.requests) >= limits.MAX_SYNC_REQUESTS:
                return []
            request = self.requests[block_id] = SyncRequest(holders, float("-inf"))
        self._park(request, proposal)
        for holder in holders:
            if holder not in request.holders:
                request.holders.append(holder)
        return self._send(block_id, request, now)

    def _park(self, request: SyncRequest, proposal: Proposal | None) -> None:
        if proposal is None or self.get_parked_count() >= limits.MAX_PARKED_PROPOSALS:
            return
        size = _get_size(proposal)
        if self.parked_bytes + size <= limits.MAX_PARKED_BYTES:
            request.proposals.append(proposal)
            self.parked_bytes += size

    def _send(self, block_id: BlockId, request: SyncRequest, now: float) -> list[Action]:
        """To the next holders not backing off; none while the block is held as an orphan
        (its answer came; what is missing is below it)."""
        if now - request.sent_at < self.retry_after or self._is_held(block_id):
            return []
        others = [h for h in request.holders if h != self.index] or [
            i for i in range(len(self.vset)) if i != self.index
        ]
        ready = [h for h in others if self.backoff.is_ready(h, now)]
        if not ready:
            return []
        request.sent_at = now
        request.attempts += 1
        actions: list[Action] = []
        for _ in range(min(limits.SYNC_FANOUT, len(ready))):
            peer = ready[request.next_holder % len(ready)]
            request.next_holder += 1
            actions.append(SendTo(ValidatorIndex(peer), BlockRequest(block_id, MAX_SYNC_BLOCKS)))
        return actions

    def on_tick(self, now: float) -> list[Action]:
        """Retry every outstanding request with the next holders once it is a timeout old;
        give up on one after ``_MAX_ATTEMPTS`` (a later proposal or QC asks again)."""
        actions: list[Action] = []
        for block_id, request in list(self.requests.items()):
            if request.attempts >= _MAX_ATTEMPTS:
                self.take_pending(block_id)
            else:
                actions += self._send(block_id, request, now)
        return actions

    def on_block_request(self, request: BlockRequest, sender: ValidatorIndex) -> list[Action]:
        """Answer with the block and its ancestors, newest first."""
        count = max(1, min(request.count, MAX_SYNC_BLOCKS))
        blocks = take_answer_blocks(self.tree.get_ancestors(request.block_id, count))
        return [SendTo(sender, BlockResponse(tuple(blocks)))] if blocks else []

    def on_block_response(
        self, response: BlockResponse, sender: ValidatorIndex, now: float
    ) -> SyncResult:
        """Insert the answered chain if it links to a requested id and every block checks; an
        answer that adds nothing counts against its sender (:class:`PeerBackoff`)."""
        chain = list(response.blocks)
        if not chain or not self._is_wanted(chain[0].id, now):
            return SyncResult()
        if any(child.parent_id != parent.id for child, parent in itertools.pairwise(chain)):
            return SyncResult()
        before = set(self.orphans)
        if not self._refuse_descendants(chain, now):
            self._add_orphans(chain)
        inserted = self._insert_orphans(now)
        if inserted or not before.issuperset(self.orphans):
            self.backoff.on_useful(int(sender))
        else:
            self.backoff.on_useless(int(sender), now)
        return SyncResult(inserted, self._request_missing(sender, now))

    def _is_wanted(self, block_id: BlockId, now: float) -> bool:
        if self.refused.is_refused(block_id, now):
            return False
        return block_id in self.requests or any(
            block.parent_id == block_id for block in self.orphans.values()
        )

    def _is_held(self, block_id: BlockId) -> bool:
        return any(block.id == block_id for block in self.orphans.values())

    def _refuse_descendants(self, chain: list[Block], now: float) -> bool:
        """Blocks of ``chain`` above a refused one are refused too; True if its newest is."""
        for block in reversed(chain):
            if self.refused.is_refused(block.parent_id, now):
                self.refused.add(block.id, now)
        return self.refused.is_refused(chain[0].id, now)

    def _add_orphans(self, chain: list[Block]) -> None:
        for block in chain:
            if len(self.orphans) < _MAX_ORPHANS and not self.tree.has(block.id):
                self.orphans.setdefault(block.parent_id, block)

    def _insert_orphans(self, now: float) -> list[Block]:
        tree = self.tree
        inserted: list[Block] = []
        progress = True
        while progress:
            progress = False
            for parent_id in [p for p in self.orphans if tree.is_extendable(p)]:
                block = self.orphans.pop(parent_id)
                if self._is_insertable(block, now):
                    tree.insert(block)
                    inserted.append(block)
                    progress = True
        self._drop_refused(now)
        self._drop_stale_orphans()
        return inserted

    def _is_insertable(self, block: Block, now: float) -> bool:
        """Above the root and new, its QC and its validity check pass (else it is refused)."""
        tree = self.tree
        if tree.has(block.id) or block.height <= tree.root.height:
            return False
        try:
            verify_qc(block.qc, self.vset, tree.root_qc)
            self.checker.check_block(block, tree.blocks[block.parent_id])
        except (InvalidCertificate, InvalidBlock):
            self.refused.add(block.id, now)
            return False
        return True

    def _drop_refused(self, now: float) -> None:
        """Orphans above a refused block are refused in turn; requests for refused ids end."""
        for parent_id in [p for p in self.orphans if self.refused.is_refused(p, now)]:
            block = self.orphans.pop(parent_id, None)
            while block is not None:
                self.refused.add(block.id, now)
                block = self.orphans.pop(block.id, None)
        for block_id in [b for b in self.requests if self.refused.is_refused(b, now)]:
            self.take_pending(block_id)

    def _drop_stale_orphans(self) -> None:
        """Orphans whose parent is known but cannot be extended descend from a dead branch
        (or from below the root)."""
        tree = self.tree
        low = tree.root.height + 1
        for parent_id in [p for p, b in self.orphans.items() if b.height <= low or tree.has(p)]:
            if not tree.is_extendable(parent_id):
                del self.orphans[parent_id]

    def _request_missing(self, sender: ValidatorIndex, now: float) -> list[Action]:
        """The parent of the oldest orphan of each run (one neither held nor in the tree)."""
        actions: list[Action] = []
        size = len(self.vset)
        held = {block.id for block in self.orphans.values()}
        for parent_id, oldest in list(self.orphans.items()):
            if parent_id in held or self.tree.has(parent_id):
                continue
            holders = [int(sender), *compute_holders(oldest.qc, size, oldest.proposer)]
            actions += self.request_block(parent_id, holders, None, now)
        return actions

    def take_pending(self, block_id: BlockId) -> list[Proposal]:
        """Proposals parked on ``block_id``, now that it arrived."""
        request = self.requests.pop(block_id, None)
        if request is None:
            return []
        self.parked_bytes -= sum(_get_size(p) for p in request.proposals)
        return request.proposals

    def get_parked_count(self) -> int:
        return sum(len(r.proposals) for r in self.requests.values())
