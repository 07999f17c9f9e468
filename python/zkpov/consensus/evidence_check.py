"""Evidence inside a block, checked by every voter before it votes (and by block sync).

:class:`EvidenceChecker` wraps another :class:`~zkpov.consensus.validity.ValidityChecker` and
refuses (``InvalidBlock``) a block whose evidence breaks a rule, cheapest checks first:

1. at most ``MAX_EVIDENCE_PER_PROPOSAL`` items, each at most ``MAX_EVIDENCE_BYTES``;
2. each decodes; its offence (:mod:`~zkpov.consensus.evidence_index`) is younger than
   ``MAX_EVIDENCE_AGE_ROUNDS`` and older than the block, appears once in the block, and was
   not included by an ancestor: neither a committed one (the index) nor one on the block's own
   uncommitted branch;
3. each passes every check but its signatures against the epoch's set (:func:`get_evidence_claims`);
4. all their signatures verify, in one randomized batch;

then the wrapped checker runs. Proposers pick from their pending evidence only what a block on
``parent`` may carry (:meth:`EvidenceChecker.select_evidence`), so an honest block is never
refused for evidence an ancestor already included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from zkpov.consensus.evidence_index import EvidenceIndex, Offence, get_offence, is_too_old
from zkpov.consensus.evidence_pool import MAX_EVIDENCE_PER_PROPOSAL
from zkpov.consensus.validity import ValidityChecker
from zkpov.errors import DecodeError
from zkpov.spec.codec.evidence import decode_evidence
from zkpov.spec.evidence import Claim, Evidence, InvalidEvidence, get_evidence_claims
from zkpov.spec.messages import Block
from zkpov.spec.payload import InvalidBlock
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BlockId, Root

__all__ = ["MAX_EVIDENCE_BYTES", "EvidenceChecker", "decode_block_evidence", "select_evidence"]

MAX_EVIDENCE_BYTES = 2048  # a double proposal (two signed headers) is at most about 1.1 KB


def decode_block_evidence(items: Sequence[bytes]) -> list[Evidence]:
    """Rule 1 and decoding; ``InvalidBlock`` on the first item that breaks them."""
    if len(items) > MAX_EVIDENCE_PER_PROPOSAL:
        raise InvalidBlock(f"{len(items)} evidence items, at most {MAX_EVIDENCE_PER_PROPOSAL}")
    if any(len(item) > MAX_EVIDENCE_BYTES for item in items):
        raise InvalidBlock(f"an evidence item is over {MAX_EVIDENCE_BYTES} bytes")
    try:
        return [decode_evidence(item) for item in items]
    except DecodeError as exc:
        raise InvalidBlock(f"evidence does not decode: {exc}") from exc


class EvidenceChecker:
    """Checks a block's evidence, then hands it to ``inner``; ``index`` holds the offences
    committed blocks included (restored from the store on restart)."""

    def __init__(self, inner: ValidityChecker, vset: ValidatorSet, index: EvidenceIndex) -> None:
        self.inner, self.vset, self.index = inner, vset, index
        # offences included by each checked block and its uncommitted ancestors
        self.branches: dict[BlockId, tuple[int, frozenset[Offence]]] = {}

    def check_block(self, block: Block, parent: Block) -> None:
        offences = self._check_evidence(block, parent)
        self.inner.check_block(block, parent)
        self.branches[block.id] = (block.height, self._get_branch(parent) | offences)

    def compute_post_root(self, parent: Block, payload: bytes) -> Root:
        return self.inner.compute_post_root(parent, payload)

    def compute_staking_root(self, block: Block, parent: Block) -> bytes:
        return self.inner.compute_staking_root(block, parent)

    def on_commit(self, block: Block) -> None:
        self.inner.on_commit(block)
        evidence = [decode_evidence(item) for item in block.evidence]  # checked when inserted
        self.index.add(map(get_offence, evidence), block.round)
        for block_id in [b for b, (h, _) in self.branches.items() if h <= block.height]:
            del self.branches[block_id]

    def select_evidence(
        self, parent: Block, round_: int, pending: Iterable[bytes]
    ) -> tuple[bytes, ...]:
        """What a block of ``round_`` on ``parent`` may carry, from ``pending`` (verified by us)."""
        chosen: dict[Offence, bytes] = {}
        taken = self._get_branch(parent)
        for item in pending:
            offence = get_offence(decode_evidence(item))
            if not self._is_taken(offence, taken, round_) and offence not in chosen:
                chosen[offence] = item
        return tuple(chosen.values())[:MAX_EVIDENCE_PER_PROPOSAL]

    def _check_evidence(self, block: Block, parent: Block) -> frozenset[Offence]:
        evidence = decode_block_evidence(block.evidence)
        offences = [get_offence(item) for item in evidence]
        if len(set(offences)) != len(offences):
            raise InvalidBlock("the block carries one offence twice")
        taken = self._get_branch(parent)
        if any(self._is_taken(o, taken, block.round) for o in offences):
            raise InvalidBlock("evidence already included, or outside the evidence age window")
        claims = self._get_claims(evidence)
        if claims and not self.vset.keyring.batch_verify(claims):
            raise InvalidBlock("evidence signatures do not verify")
        return frozenset(offences)

    def _get_claims(self, evidence: list[Evidence]) -> list[Claim]:
        try:
            return [claim for item in evidence for claim in get_evidence_claims(item, self.vset)]
        except InvalidEvidence as exc:
            raise InvalidBlock(f"invalid evidence: {exc}") from exc

    def _is_taken(self, offence: Offence, taken: frozenset[Offence], round_: int) -> bool:
        return offence in taken or offence in self.index or is_too_old(offence, round_)

    def _get_branch(self, parent: Block) -> frozenset[Offence]:
        entry = self.branches.get(parent.id)
        return frozenset() if entry is None else entry[1]


def select_evidence(
    checker: ValidityChecker, parent: Block, round_: int, pending: Sequence[bytes]
) -> tuple[bytes, ...]:
    """A proposer's evidence: filtered by ``checker`` if it checks evidence, else the first
    ``MAX_EVIDENCE_PER_PROPOSAL`` pending items (checkers that ignore evidence)."""
    if isinstance(checker, EvidenceChecker):
        return checker.select_evidence(parent, round_, pending)
    return tuple(pending)[:MAX_EVIDENCE_PER_PROPOSAL]
