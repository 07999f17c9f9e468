"""Where each epoch starts: its set, root block, root QC and chain state; and recovery of the
current epoch from a committed log at restart."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

from zkpov.chain.containers import ChainState
from zkpov.chain.transition import process_block
from zkpov.config import ConsensusConfig
from zkpov.consensus.epochs.boundary import EpochWindow, make_epoch_root_qc
from zkpov.consensus.epochs.sets import EpochSet, get_epoch_set
from zkpov.spec.messages import Block, QuorumCert
from zkpov.spec.signing import SignatureScheme
from zkpov.spec.validators import ValidatorSet

__all__ = ["EpochStart", "Recovered", "recover_epoch", "start_first_epoch", "start_next_epoch"]


@dataclass(frozen=True)
class EpochStart:
    """An epoch as every validator derives it: ``state`` is the chain state at ``root``."""

    set: EpochSet
    vset: ValidatorSet
    root: Block
    root_qc: QuorumCert
    state: ChainState

    @property
    def window(self) -> EpochWindow:
        return EpochWindow(self.vset.epoch, self.root.height, self.vset.config.epoch_length)


def start_first_epoch(
    vset: ValidatorSet, genesis: Block, genesis_qc: QuorumCert, state: ChainState
) -> EpochStart:
    """Epoch 0 from genesis; ``state`` (``compute_genesis_state``) maps ``vset``'s indices."""
    return EpochStart(get_epoch_set(state), vset, genesis, genesis_qc, state)


def start_next_epoch(
    ending: Block, state: ChainState, scheme: SignatureScheme, config: ConsensusConfig
) -> EpochStart:
    """The epoch after the committed reconfiguration block ``ending``; ``state`` is the chain
    state after it (the transition already ran)."""
    epoch_set = get_epoch_set(state)
    vset = epoch_set.build_vset(scheme, config)
    root_qc = make_epoch_root_qc(ending, vset.epoch, len(vset))
    return EpochStart(epoch_set, vset, ending, root_qc, state)


@dataclass(frozen=True)
class Recovered:
    """The current epoch of a committed log, the chain state after its last block, and the
    epoch's committed blocks (for leader elections that replay history)."""

    start: EpochStart
    state: ChainState
    history: tuple[Block, ...]


def recover_epoch(first: EpochStart, committed: Sequence[Block]) -> Recovered:
    """Replay ``committed`` (heights 1, 2, ... after genesis) through the economics, switching
    epochs at each reconfiguration block as the running validator did."""
    start, state = first, copy.deepcopy(first.state)
    history: list[Block] = []
    scheme, config = first.vset.scheme, first.vset.config
    for block in committed:
        process_block(state, config, start.vset, block)
        if start.window.is_reconfiguration(block):
            start = start_next_epoch(block, copy.deepcopy(state), scheme, config)
            history = []
        else:
            history.append(block)
    return Recovered(start, state, tuple(history))
