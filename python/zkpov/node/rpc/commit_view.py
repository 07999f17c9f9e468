"""Commit certificates read from the committed chain: the QC that certifies a committed block,
the 2-chain QC that committed it, and the highest finalized header with that QC (``/commit``,
``/light/finalized``)."""

from __future__ import annotations

from zkpov.consensus.factory import ChainStart
from zkpov.node.rpc.epoch_view import is_commit_qc
from zkpov.node.rpc.view import CommitRecord
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.spec.messages import Block, BlockHeader, QuorumCert
from zkpov.types import Height

__all__ = ["FINALIZED_SEARCH", "get_commit_record", "get_committed_pair"]

FINALIZED_SEARCH = 64  # committed blocks searched for a 2-chain QC when none is in memory


def get_commit_record(chain: CommittedChain, height: Height) -> CommitRecord | None:
    """The committed block at ``height`` with the QC that certifies it and, when held, the
    QC that committed it; None when the block or its certificate is not held."""
    block = chain.get_block(height)
    if block is None:
        return None
    certificate = _get_certificate(chain, height)
    if certificate is None or certificate.block_id != block.id:
        return None
    return CommitRecord(block.header, certificate, _get_commit_certificate(chain, height, block))


def get_committed_pair(chain: CommittedChain, start: ChainStart) -> tuple[BlockHeader, QuorumCert]:
    """The root and the QC of its commit, else (after a restart) the highest of the last
    ``FINALIZED_SEARCH`` committed blocks with a consecutive-round child QC; before any such
    commit, the genesis header and its unsigned root QC."""
    root = chain.get_root()[0]
    qc = chain.commit_qc
    if qc is not None and is_commit_qc(qc, root.header, qc.vote_data.block_id):
        return root.header, qc
    for height in range(chain.height, max(0, chain.height - FINALIZED_SEARCH), -1):
        record = get_commit_record(chain, Height(height))
        if record is not None and record.commit_certificate is not None:
            return record.header, record.commit_certificate
    return start.block.header, start.qc


def _get_certificate(chain: CommittedChain, height: int) -> QuorumCert | None:
    """The QC that certifies the committed block at ``height``: its child's parent QC, or for
    the last committed block the stored root QC."""
    child = chain.get_block(height + 1)
    if child is not None:
        return child.qc
    root, root_qc = chain.get_root()
    return root_qc if root.height == height else None


def _get_commit_certificate(chain: CommittedChain, height: int, block: Block) -> QuorumCert | None:
    """The 2-chain that committed ``block``: a QC of its epoch for its child one round later.
    None when the block was committed as an ancestor, its child's QC is not held, or that QC
    is the next epoch's root QC (on an epoch's last block or the one before)."""
    child = chain.get_block(height + 1)
    if child is None or child.round != block.round + 1:
        return None
    qc = _get_certificate(chain, height + 1)
    return qc if qc is not None and is_commit_qc(qc, block.header, child.id) else None
