"""Where a node with epochs resumes: its current epoch, from the committed staking ledger.

The ledger (:mod:`zkpov.node.state.economics`) ran every committed block's economics with the
genesis epoch length, so its chain state already sits in the current epoch: the set it elected,
and ``height - blocks_in_epoch``, the height of the epoch's root (the previous epoch's
reconfiguration block R). Nothing is replayed; R comes from the block store, or from the stored
ending when pruning removed it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from zkpov.consensus.epochs.boundary import make_epoch_root_qc
from zkpov.consensus.epochs.leaders import SeededLeaders
from zkpov.consensus.epochs.sets import get_epoch_set
from zkpov.consensus.epochs.starts import EpochStart, Recovered, start_first_epoch
from zkpov.consensus.factory import ChainStart, build_reputation_leaders
from zkpov.consensus.leader import LeaderElection
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.node.state.economics import compute_genesis_ledger
from zkpov.spec.epochs import EpochEnding
from zkpov.spec.messages import Block
from zkpov.spec.validators import ValidatorSet
from zkpov.storage.block_store import StorageError

__all__ = ["make_epoch_leaders", "recover_node_epoch"]


def make_epoch_leaders(vset: ValidatorSet) -> LeaderElection:
    """Epoch 0 elects as a node without epochs does; later epochs draw by stake from their
    seed (reputation windows would read blocks of the previous set)."""
    return build_reputation_leaders(vset) if vset.epoch == 0 else SeededLeaders(vset)


def recover_node_epoch(
    start: ChainStart, chain: CommittedChain, endings: Sequence[EpochEnding]
) -> Recovered:
    """The current epoch of ``chain``, its chain state and its committed blocks."""
    state = copy.deepcopy(chain.ledger.state)
    if state.epoch == start.vset.epoch:
        genesis = compute_genesis_ledger(start.vset)
        first = start_first_epoch(start.vset, start.block, start.qc, genesis)
        return Recovered(first, state, tuple(chain.blocks))
    root_height = state.height - state.blocks_in_epoch
    root = chain.get_block(root_height) or _find_ending_block(endings, root_height)
    vset = chain.ledger.epoch_vset
    root_qc = make_epoch_root_qc(root, vset.epoch, len(vset))
    epoch_start = EpochStart(get_epoch_set(state), vset, root, root_qc, state)
    history = tuple(b for b in chain.blocks if b.height > root_height)
    return Recovered(epoch_start, state, history)


def _find_ending_block(endings: Sequence[EpochEnding], height: int) -> Block:
    for ending in endings:
        if ending.block.height == height:
            return ending.block
    raise StorageError(
        f"the current epoch's root (height {height}) is neither in the block store nor among"
        " the stored epoch endings: the store is damaged; resync from genesis"
    )
