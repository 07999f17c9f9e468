"""The chain economics of the committed chain: a :class:`~zkpov.chain.containers.ChainState`
moved by :func:`~zkpov.chain.transition.process_block` for every committed block, and the index
of offences committed blocks included (:mod:`~zkpov.consensus.evidence_index`).

:class:`CommittedChain` writes both in the same LMDB batch as the blocks they follow, so a
restart resumes them exactly. Genesis validators' balances live in this staking ledger,
keyed by the validator's BLS public key (their owner); a committed block's staking ops run
their ledger side here first (owners: the senders' account keys), as every voter re-executed
them (``chain.block_state``).

Without epochs (a genesis without ``"epochs": true``) the ledger runs with an epoch length it
never reaches: consensus keeps the genesis set, so a slashed validator is burned and marked
``SLASHED`` but stays in the set. With epochs the ledger runs the genesis ``epoch_length``: the
transition at each epoch's reconfiguration block elects the next set (a slashed validator
leaves), and each block is processed against its own epoch's set (:func:`get_epoch_vset`), as
the node's :class:`~zkpov.consensus.epochs.manager.EpochManager` runs consensus.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from zkpov.chain.containers import ChainState, copy_chain_state
from zkpov.chain.ledger_codec import decode_chain_state, encode_chain_state
from zkpov.chain.ledger_root import apply_ledger_block, compute_encoding_root
from zkpov.chain.operations import parse_operation
from zkpov.chain.payload_ops import GetOwner, process_payload_operations
from zkpov.chain.staking import get_total_stake, get_validator_stake
from zkpov.chain.state import Transfer
from zkpov.chain.transition import compute_genesis_state, is_supply_conserved
from zkpov.config import ConsensusConfig
from zkpov.consensus.epochs.sets import get_epoch_set
from zkpov.consensus.evidence_index import (
    EvidenceIndex,
    decode_offence,
    encode_offence,
    get_offence,
)
from zkpov.crypto import bls
from zkpov.spec.codec.evidence import decode_evidence
from zkpov.spec.codec.payload import decode_payload
from zkpov.spec.messages import Block
from zkpov.spec.validators import ValidatorSet
from zkpov.storage.block_store import BlockStore, StorageError, WriteBatch

__all__ = [
    "LEDGER_KEY",
    "NO_EPOCH_CHANGE",
    "BlockEconomics",
    "ChainLedger",
    "EconomicsUpdate",
    "get_epoch_vset",
]

log = logging.getLogger(__name__)

LEDGER_KEY = b"economics/ledger"
OFFENCE_PREFIX = b"economics/offence/"
NO_EPOCH_CHANGE = 1 << 62  # the ledger's epoch length until the node changes epochs


@dataclass(frozen=True)
class BlockEconomics:
    """What one committed block did to the ledger."""

    height: int
    minted: int
    slashed: dict[int, int]  # registry index -> stake burned by this block's evidence
    supply_conserved: bool


@dataclass
class EconomicsUpdate:
    """A commit's new ledger and index changes, computed before anything is written."""

    state: ChainState
    vset: ValidatorSet  # the consensus set of ``state``'s epoch
    blocks: list[BlockEconomics] = field(default_factory=list)
    added: list[bytes] = field(default_factory=list)  # encoded offences
    dropped: list[bytes] = field(default_factory=list)
    encodings: list[tuple[int, bytes]] = field(default_factory=list)  # ledger after each block


def get_ledger_config(vset: ValidatorSet, epochs: bool) -> ConsensusConfig:
    return vset.config if epochs else dataclasses.replace(vset.config, epoch_length=NO_EPOCH_CHANGE)


def get_epoch_vset(genesis: ValidatorSet, state: ChainState) -> ValidatorSet:
    """The consensus set of ``state``'s epoch: the genesis set in epoch 0, else the set the
    last epoch transition elected (what the epoch manager built at that switch)."""
    if state.epoch == genesis.epoch:
        return genesis
    return get_epoch_set(state).build_vset(genesis.scheme, genesis.config)


def compute_genesis_ledger(vset: ValidatorSet) -> ChainState:
    """The genesis ledger: each validator its own owner (by BLS key), bonded its genesis stake."""
    owners = [bytes(pk) for pk in vset.pubkeys]
    return compute_genesis_state(vset.pubkeys, vset.stakes, owners, vset.seed)


class ChainLedger:
    """The committed ledger and evidence index of one node (``vset``: the genesis set;
    ``epochs``: the genesis turns epochs on)."""

    def __init__(
        self, vset: ValidatorSet, state: ChainState, index: EvidenceIndex, epochs: bool = False
    ) -> None:
        self.vset, self.state, self.index = vset, state, index
        self.config = get_ledger_config(vset, epochs)
        self.epoch_vset = get_epoch_vset(vset, state)
        # the ledger's encoding after each block of the last commit (what fast sync serves)
        self.encodings = [(state.height, encode_chain_state(state))]

    @classmethod
    def create_genesis(cls, vset: ValidatorSet, epochs: bool = False) -> ChainLedger:
        return cls(vset, compute_genesis_ledger(vset), EvidenceIndex(), epochs)

    @classmethod
    def load(
        cls, store: BlockStore, vset: ValidatorSet, height: int, epochs: bool = False
    ) -> ChainLedger:
        """The stored ledger; a store with committed blocks but no ledger is refused."""
        raw = store.get_state(LEDGER_KEY)
        if raw is None and height == 0:
            return cls.create_genesis(vset, epochs)
        if raw is None:
            raise StorageError(
                f"the store holds committed height {height} but no staking ledger: it was"
                " written by an older node or installed by fast sync; resync from genesis"
            )
        state = decode_chain_state(raw)
        if state.height != height:
            raise StorageError(f"the staking ledger is at height {state.height}, not {height}")
        keys = store.iter_state(OFFENCE_PREFIX)
        offences = [decode_offence(key[len(OFFENCE_PREFIX) :]) for key, _ in keys]
        return cls(vset, state, EvidenceIndex(offences), epochs)

    def compute_update(self, blocks: Sequence[Block], get_owner: GetOwner) -> EconomicsUpdate:
        """Runs ``blocks`` on a copy of the ledger (nothing here changes), each against its
        epoch's set: each payload's staking ops (ledger side; ``get_owner`` names each sender's
        key), then the block's economics; an epoch transition switches the set for the blocks
        after it."""
        update = EconomicsUpdate(copy_chain_state(self.state), self.epoch_vset)
        index = EvidenceIndex(self.index.offences)
        for block in blocks:
            self._process_payload(update.state, block, get_owner)
            update.blocks.append(self._process(update.state, update.vset, block))
            update.encodings.append((block.height, _encode_checked(update.state, block)))
            if update.state.epoch != update.vset.epoch:
                update.vset = get_epoch_vset(self.vset, update.state)
            offences = [get_offence(decode_evidence(item)) for item in block.evidence]
            update.added += map(encode_offence, offences)
            update.dropped += map(encode_offence, index.add(offences, block.round))
        return update

    def _process_payload(self, state: ChainState, block: Block, get_owner: GetOwner) -> None:
        """The ledger side of what every voter re-executed before this block committed."""
        ops = [parse_operation(tx) for tx in decode_payload(block.payload)]
        if not all(isinstance(op, Transfer) for op in ops):
            process_payload_operations(state, self.config, ops, get_owner, bls.pop_verify)

    def _process(self, state: ChainState, vset: ValidatorSet, block: Block) -> BlockEconomics:
        before = [int(v.slashed_amount) for v in state.validators]
        minted = state.minted
        apply_ledger_block(state, self.config, vset, block)
        slashed = {
            registry: int(v.slashed_amount) - before[registry]
            for registry, v in enumerate(state.validators[: len(before)])
            if int(v.slashed_amount) > before[registry]
        }
        conserved = is_supply_conserved(state)
        if not conserved:
            log.error(
                "supply not conserved after block %d: the staking ledger is wrong", block.height
            )
        return BlockEconomics(block.height, state.minted - minted, slashed, conserved)

    def put(self, batch: WriteBatch, update: EconomicsUpdate) -> WriteBatch:
        last = update.encodings[-1][1] if update.encodings else encode_chain_state(update.state)
        batch.put_state(LEDGER_KEY, last)
        for key in update.added:
            batch.put_state(OFFENCE_PREFIX + key, b"")
        for key in update.dropped:
            batch.delete_state(OFFENCE_PREFIX + key)
        return batch

    def adopt(self, update: EconomicsUpdate) -> None:
        """After the batch is durable."""
        self.state, self.epoch_vset = update.state, update.vset
        self.encodings = update.encodings
        added = [decode_offence(key) for key in update.added]
        dropped = {decode_offence(key) for key in update.dropped}
        self.index.offences.update(added)
        self.index.offences.difference_update(dropped)

    def get_stake(self, index: int) -> int:
        """Bonded stake (self and delegated) of registry validator ``index``."""
        return int(get_validator_stake(self.state, index))

    def get_supply(self) -> int:
        return get_total_stake(self.state)


def _encode_checked(state: ChainState, block: Block) -> bytes:
    """The ledger's encoding after ``block``; a root other than the header's (which every
    voter checked) means this node's ledger went wrong, and is logged."""
    encoding = encode_chain_state(state)
    if block.staking_root and compute_encoding_root(encoding) != block.staking_root:
        log.error("the staking ledger after block %d is not its header's root", block.height)
    return encoding
