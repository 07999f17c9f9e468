"""The chain's state transition for one committed block (pyspec style).

``process_block`` reads like its table of contents: evidence, rewards, RANDAO, then the epoch
boundary every ``epoch_length`` committed blocks. Consensus indices in the block (proposer, QC
signers, evidence) are those of the epoch's validator set ``vset``; ``state.active`` maps them to
registry indices.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkpov.chain.containers import ChainState, Owner, Validator, ValidatorStatus
from zkpov.chain.evidence import process_evidence
from zkpov.chain.rewards import process_block_rewards
from zkpov.chain.seed import compute_randao_mix
from zkpov.chain.staking import get_total_stake, process_epoch_transition
from zkpov.config import ConsensusConfig
from zkpov.errors import DecodeError
from zkpov.spec.codec.evidence import decode_evidence
from zkpov.spec.encoding import get_bitfield_indices
from zkpov.spec.messages import Block
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BLSPubkey, Epoch, Stake

__all__ = ["compute_genesis_state", "is_supply_conserved", "process_block"]


def compute_genesis_state(
    pubkeys: Sequence[BLSPubkey], stakes: Sequence[int], owners: Sequence[Owner], seed: bytes
) -> ChainState:
    """Epoch 0 with every genesis validator active (keys were PoP-checked by the genesis file)."""
    validators = [
        Validator(pk, owner, Stake(stake), 0, ValidatorStatus.ACTIVE)
        for pk, stake, owner in zip(pubkeys, stakes, owners, strict=True)
    ]
    state = ChainState(Epoch(0), validators=validators, seed=seed)
    state.active = tuple(range(len(validators)))
    state.active_stakes = tuple(Stake(s) for s in stakes)
    state.initial_supply = sum(stakes)
    return state


def process_block(
    state: ChainState, config: ConsensusConfig, vset: ValidatorSet, block: Block
) -> None:
    """Apply one committed block's economics to ``state``."""
    process_block_evidence(state, config, vset, block)
    process_block_signers(state, config, vset, block)
    state.randao_mix = compute_randao_mix(state.randao_mix, block.randao_reveal)
    state.height = block.height
    state.blocks_in_epoch += 1
    if state.blocks_in_epoch >= config.epoch_length:
        process_epoch_transition(state, config)


def process_block_evidence(
    state: ChainState, config: ConsensusConfig, vset: ValidatorSet, block: Block
) -> None:
    for item in block.evidence:
        try:
            evidence = decode_evidence(item)
        except DecodeError:
            continue
        process_evidence(state, config, vset, evidence)


def process_block_signers(
    state: ChainState, config: ConsensusConfig, vset: ValidatorSet, block: Block
) -> None:
    signers = get_bitfield_indices(block.qc.signers, len(vset))
    active = state.active
    process_block_rewards(state, config, active[block.proposer], [active[i] for i in signers])


def is_supply_conserved(state: ChainState) -> bool:
    """Stake conservation: every token is accounted for (initial + minted - burned, plus what
    crossed in from the account tree and minus what was paid out to it)."""
    inflow = state.deposited - state.withdrawn
    return get_total_stake(state) == state.initial_supply + state.minted - state.burned + inflow
