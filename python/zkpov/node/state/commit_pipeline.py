"""What a commit does, in order, once consensus has decided it.

1. The committed chain writes it in one atomic batch (:mod:`~zkpov.node.state.committed_chain`);
   nothing below happens if that fails (the driver then rebuilds the core).
2. If this node proves, its proving pipeline owes a proof of each committed block with
   transfers (its own batches are proven at once, others' once overdue).
3. The mempool drops the committed transfers and re-checks the pending ones of the accounts
   they touched (:meth:`~zkpov.node.state.mempool.Mempool.on_commit`).
4. Each block is announced: to the commit subscribers, then to the listener (the RPC's commit
   feed: a ``FINALIZED`` event and the metrics); the prover records the proofs the block
   carries and moves the proven-final height, which the listener hears of too
   (:meth:`CommitPipeline.on_proven_final`).
5. The listener hears the mempool's new size.
6. The economics listener hears what each block did to the staking ledger (slashes, rewards,
   the supply check), which the committed chain wrote with the blocks.

Evidence, the other output of consensus, is logged and kept in the counters: the latest
``MAX_EVIDENCE_RECORDS`` only, since an equivocator offends anew every round.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from zkpov.chain.containers import ChainState
from zkpov.consensus.actions import Commit, RecordEvidence
from zkpov.node.proving.proof_chain import ProvingPipeline, get_carried
from zkpov.node.proving.prover import ProofTracker
from zkpov.node.state.committed_chain import CommittedChain, GetPostState
from zkpov.node.state.economics import BlockEconomics
from zkpov.node.state.mempool import Mempool
from zkpov.spec.codec.payload import decode_payload
from zkpov.spec.messages import Block, QuorumCert

__all__ = [
    "MAX_EVIDENCE_RECORDS",
    "CommitListener",
    "CommitPipeline",
    "EconomicsListener",
    "NodeCounters",
]

log = logging.getLogger(__name__)

MAX_EVIDENCE_RECORDS = 1024


def _new_evidence_records() -> deque[RecordEvidence]:
    return deque(maxlen=MAX_EVIDENCE_RECORDS)


@dataclass
class NodeCounters:
    txs_committed: int = 0
    evidence: deque[RecordEvidence] = field(default_factory=_new_evidence_records)


class EconomicsListener(Protocol):
    """Who hears what each commit did to the staking ledger
    (:class:`~zkpov.node.rpc.economics_feed.EconomicsFeed`)."""

    def on_commit(
        self, blocks: Sequence[Block], records: Sequence[BlockEconomics], ledger: ChainState
    ) -> None: ...


class CommitListener(Protocol):
    """Who hears of commits: the RPC's events and the metrics
    (:class:`~zkpov.node.rpc.commit_feed.CommitFeed`)."""

    def on_block_committed(self, block: Block, num_txs: int) -> None: ...

    def on_proven_final(self, height: int, block: Block | None) -> None: ...


@dataclass
class CommitPipeline:
    """Carries out commits; ``proving`` is None unless this node proves, ``prover`` None unless
    it proves or collects proofs."""

    chain: CommittedChain
    mempool: Mempool
    prover: ProofTracker | None
    proving: ProvingPipeline | None
    proofs_enabled: bool
    listener: CommitListener
    counters: NodeCounters
    economics: EconomicsListener | None = None

    def on_commit(
        self, commit: Commit, root_qc: QuorumCert, get_post_state: GetPostState | None = None
    ) -> None:
        """``get_post_state`` lends the states the blocks' checks computed (see
        :meth:`CommittedChain.on_commit`)."""
        lend = get_post_state or (lambda block, pre_root: None)
        txs, pre_states = self.chain.on_commit(commit, root_qc, self._owes_proof, lend)
        if self.proving is not None:
            self.proving.on_commit(pre_states)
        self.mempool.on_commit(txs)
        self.counters.txs_committed += len(txs)
        for block in commit.blocks:
            self._announce(block, len(decode_payload(block.payload)))
        if self.economics is not None:
            self.economics.on_commit(commit.blocks, self.chain.economics, self.chain.ledger.state)

    def _owes_proof(self, block: Block) -> bool:
        return self.proofs_enabled and bool(block.payload)

    def _announce(self, block: Block, num_txs: int) -> None:
        self.listener.on_block_committed(block, num_txs)
        if self.prover is not None:
            for height, proof in get_carried(block):
                self.prover.record_carried(height, proof)
            self.prover.on_commit(block.height)

    def on_proven_final(self, height: int) -> None:
        """The prover's callback: every block up to ``height`` is proven."""
        self.listener.on_proven_final(height, self.chain.get_block(height))

    def on_evidence(self, evidence: RecordEvidence) -> None:
        log.warning("evidence of %s by validator %d", evidence.kind, evidence.offender)
        self.counters.evidence.append(evidence)
