"""From a genesis document to consensus objects: validator set, genesis state, a core.

Every node of a chain derives the same validator set, genesis block and root QC from the same
``genesis.json``; the epoch-0 seed is the genesis hash, so leaders are fixed by the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkpov.chain.state import AccountState, compute_account_index
from zkpov.consensus.core import ConsensusCore, PayloadSource
from zkpov.consensus.genesis import make_genesis
from zkpov.consensus.reputation_leaders import ReputationLeaders
from zkpov.consensus.validity import ValidityChecker
from zkpov.errors import ValidatorError
from zkpov.node.state.genesis import Genesis, compute_genesis_hash
from zkpov.spec.messages import Block, QuorumCert
from zkpov.spec.payload import compute_root_bytes
from zkpov.spec.safety_data import SafetyData
from zkpov.spec.signing import get_scheme
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BLSPubkey, Epoch, Stake, ValidatorIndex

__all__ = [
    "ChainStart",
    "build_chain_start",
    "build_core",
    "build_genesis_state",
    "get_validator_index",
]


@dataclass(frozen=True)
class ChainStart:
    """What every node derives from genesis."""

    vset: ValidatorSet
    block: Block
    qc: QuorumCert


def build_genesis_state(genesis: Genesis) -> AccountState:
    """Accounts funded at their conventional index (``compute_account_index``)."""
    state = AccountState(genesis.circuit_tree_depth)
    for account in genesis.accounts:
        index = compute_account_index(account.public_key, genesis.circuit_tree_depth)
        state.credit(index, account.public_key, account.balance)
    return state


def build_chain_start(genesis: Genesis, scheme: str = "bls") -> ChainStart:
    vset = ValidatorSet(
        Epoch(0),
        tuple(BLSPubkey(v.bls_public_key) for v in genesis.validators),
        tuple(Stake(v.stake) for v in genesis.validators),
        get_scheme(scheme),
        genesis.consensus,
        compute_genesis_hash(genesis),
    )
    block, qc = make_genesis(vset, compute_root_bytes(build_genesis_state(genesis).root))
    return ChainStart(vset, block, qc)


def get_validator_index(start: ChainStart, public_key: bytes) -> ValidatorIndex:
    try:
        return ValidatorIndex(start.vset.pubkeys.index(BLSPubkey(public_key)))
    except ValueError as err:
        raise ValidatorError("this validator key is not in the genesis validator set") from err


def build_core(
    start: ChainStart,
    index: ValidatorIndex,
    sk: bytes,
    safety_data: SafetyData | None,
    checker: ValidityChecker,
    payload_source: PayloadSource | None = None,
    root: tuple[Block, QuorumCert] | None = None,
    history: Sequence[Block] = (),
) -> ConsensusCore:
    """A core for validator ``index`` rooted at ``root`` (genesis if None), resuming from
    ``safety_data`` if given; ``history`` is the committed chain the leader election replays."""
    config = start.vset.config
    leaders = ReputationLeaders(
        start.vset.stakes,
        start.vset.epoch,
        start.vset.seed,
        config.reputation_window,
        config.reputation_exclude_rounds,
    )
    for block in history:
        leaders.on_commit(block)
    root_block, root_qc = root or (start.block, start.qc)
    return ConsensusCore(
        vset=start.vset,
        index=index,
        sk=sk,
        safety_data=safety_data or SafetyData(start.vset.epoch),
        leaders=leaders,
        checker=checker,
        root=root_block,
        root_qc=root_qc,
        payload_source=payload_source,
    )
