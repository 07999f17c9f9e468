"""The node's consensus core from durable state (built by :mod:`zkpov.consensus.factory`).

The node's first core, and every core that replaces a failed one, comes from
:meth:`DurableCore.build`: the committed chain's root and accounts, the safety data, and the
recovery data (the certified chain above the root and the highest QC) that
:meth:`DurableCore.save_progress` writes after each input. Each core gets a fresh validity
checker: re-execution of the transfers, plus the carried-proof rules when the genesis sets a
proof lag. As proposer it fills blocks through :meth:`DurableCore.make_body`: transfers from the
mempool, none while this node's last batch is being proven, and with a proof lag the proofs the
lag rule asks for.

With epochs on (``epochs=True``) :meth:`DurableCore.build` returns an
:class:`~zkpov.consensus.epochs.manager.EpochManager` instead, in the epoch the committed ledger
has reached (:mod:`~zkpov.node.consensus_io.epoch_recovery`), over the same checker, payload
and recovery data, with the committed endings it serves; it builds each epoch's core itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zkpov.chain.block_state import BlockState, LedgerRules
from zkpov.chain.containers import ChainState, copy_chain_state
from zkpov.chain.operations import parse_operation
from zkpov.chain.state import AccountState
from zkpov.consensus.block_tree import BlockTree
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.epochs.context import ValidatorContext
from zkpov.consensus.epochs.manager import EpochManager
from zkpov.consensus.evidence_check import EvidenceChecker
from zkpov.consensus.evidence_index import EvidenceIndex
from zkpov.consensus.factory import ChainStart, build_core
from zkpov.consensus.proof_carry import CarriedProofs
from zkpov.consensus.proposals import BlockBody
from zkpov.consensus.recovery import apply_recovery
from zkpov.consensus.validity import NativeReexecution, ValidityChecker
from zkpov.crypto import snark
from zkpov.node.consensus_io.epoch_recovery import make_epoch_leaders, recover_node_epoch
from zkpov.node.proving.proof_chain import build_carried_checker, make_block_body
from zkpov.node.proving.prover import ProofTracker
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.node.state.economics import get_epoch_vset
from zkpov.node.state.mempool import Mempool
from zkpov.spec.codec.payload import encode_payload
from zkpov.spec.epochs import EpochEnding
from zkpov.spec.messages import Block, QuorumCert
from zkpov.storage.interface import SafetyStore
from zkpov.types import ValidatorIndex

__all__ = ["DurableCore", "get_wall_offset_ms"]


def get_wall_offset_ms() -> int:
    """Wall clock minus the driver's monotonic clock, in ms: what turns the core's ``now`` into
    the Unix time of block timestamps (read once per core build)."""
    return round((time.time() - time.monotonic()) * 1000)


@dataclass
class DurableCore:
    """Builds cores for validator ``index``; ``vk`` is the circuit's verifying key when blocks
    carry proofs (``proof_lag > 0``), else None; ``prover`` is None when this node neither proves
    nor collects proofs."""

    start: ChainStart
    index: ValidatorIndex
    secret: bytes
    chain: CommittedChain
    safety_store: SafetyStore
    mempool: Mempool
    prover: ProofTracker | None
    max_transfers: int  # node/state/block_capacity.py: get_block_capacity
    proof_lag: int
    vk: snark.VerifyingKey | None
    observe_verify: Callable[[float], None]
    epochs: bool = False  # the genesis turns epochs on: build an epoch manager
    endings: list[EpochEnding] = field(default_factory=list)  # committed, oldest first
    native: NativeReexecution | None = field(default=None, init=False)
    checker: ValidityChecker | None = field(default=None, init=False)  # below the evidence rules
    _saved_hqc: QuorumCert | None = field(default=None, init=False)

    def build(self) -> ConsensusCore | EpochManager:
        """A core from durable state: the committed chain's root and accounts, the safety data
        and the recovery data. The first boot and every restart after a core fault use this.
        With epochs, the epoch manager (not started) over the same."""
        root = self.chain.get_root()
        self.native = NativeReexecution(
            root[0].id, self._get_root_state(), parse_operation, _finish_block
        )
        self.checker = self._build_inner_checker(self.native)
        index = EvidenceIndex(self.chain.ledger.index.offences)
        if self.epochs:
            return self._build_manager(root, index, self.checker)
        core = build_core(
            self.start, self.index, self.secret, self.safety_store.load(),
            EvidenceChecker(self.checker, self.start.vset, index),
            payload_source=self.make_body, root=root, history=self.chain.blocks,
            wall_offset_ms=get_wall_offset_ms(),
        )  # fmt: skip
        apply_recovery(core, self.chain.get_recovery_data())
        self._saved_hqc = core.tree.hqc
        return core

    def _get_root_state(self) -> BlockState:
        """The committed accounts and ledger (the root block's economics included): voters
        re-execute payloads, staking ops included, on both together; each block's economics
        run against its epoch's set."""
        genesis = self.start.vset
        rules = LedgerRules(
            self.chain.ledger.config, lambda ledger: get_epoch_vset(genesis, ledger)
        )
        ledger = copy_chain_state(self.chain.ledger.state)
        return BlockState(self.chain.state.copy(), ledger, rules)

    def _build_manager(
        self, root: tuple[Block, QuorumCert], index: EvidenceIndex, checker: ValidityChecker
    ) -> EpochManager:
        """Peers are named by registry index (the genesis set first, then joiners in the order
        their create_validator committed); ``index`` is ours (``UNREGISTERED``: an observer)."""
        context = ValidatorContext(
            int(self.index), self.secret, checker, payload_source=self.make_body,
            make_leaders=make_epoch_leaders, wall_offset_ms=get_wall_offset_ms(),
            evidence_index=index, payload_ledger=self._get_payload_ledger,
        )  # fmt: skip
        recovered = recover_node_epoch(self.start, self.chain, self.endings)
        manager = EpochManager(
            context, recovered, self.safety_store.load(), root=root, endings=self.endings,
            recovery=self.chain.get_recovery_data(),
        )  # fmt: skip
        self.endings = manager.endings  # the manager appends; the list outlives it
        self._saved_hqc = None
        return manager

    def _get_payload_ledger(self, block: Block, parent: Block) -> ChainState:
        """The ledger after ``block``'s payload (staking ops included) on ``parent``'s full
        state: what the epoch's next set is elected from, as the committed ledger will be."""
        if self.native is None:
            raise RuntimeError("the core was not built")
        state: BlockState = self.native.compute_payload_state(parent, block.payload)
        return state.ledger

    def _build_inner_checker(self, native: NativeReexecution) -> ValidityChecker:
        if not self.proof_lag or self.vk is None:
            return native
        return build_carried_checker(
            native, self.chain.get_retained_chain(), self.proof_lag, self.vk, self.observe_verify,
            self.chain.state.chain_tag,
        )  # fmt: skip

    def get_post_state(self, block: Block, pre_root: int) -> AccountState | None:
        """The state ``block``'s check computed on a state of root ``pre_root`` (apply once at
        commit), or None."""
        state = None if self.native is None else self.native.get_post_state(block, pre_root)
        return None if state is None else state.accounts

    def get_unproven_heights(self) -> list[int]:
        """The committed heights whose batches the chain still owes proofs for (carried-proof
        rules only; empty without them): what a restarted prover picks up."""
        carried = self.checker
        if not isinstance(carried, CarriedProofs):
            return []
        return [debt.height for debt in carried.get_debt(self.chain.get_root()[0].id) or ()]

    def make_body(self, parent: Block) -> BlockBody:
        """The body of this validator's proposal on ``parent``."""
        carried = self.checker
        if not isinstance(carried, CarriedProofs):
            return BlockBody(self._make_payload(parent))
        proofs = self.prover.proofs if self.prover is not None else {}
        return make_block_body(carried, parent, proofs, self._make_payload)

    def _make_payload(self, parent: Block) -> bytes:
        state = None if self.native is None else self.native.states.get(parent.id)
        if state is None or (self.prover is not None and self.prover.is_busy()):
            return b""  # backpressure: no new transfers while our last batch is being proven
        chosen = self.mempool.select(state.accounts, self.max_transfers, state.ledger)
        return encode_payload([op.to_bytes() for op in chosen])

    def save_progress(self, tree: BlockTree) -> None:
        """Writes the certified chain above the root and the highest QC when the QC changed (the
        recovery data :meth:`build` resumes from)."""
        if tree.hqc is self._saved_hqc:
            return
        chain, block = [], tree.get(tree.hqc.block_id)
        while block is not None and block.height > tree.root.height:
            chain.append(block)
            block = tree.get(block.parent_id)
        self.chain.save_pending(tuple(reversed(chain)), tree.hqc)
        self._saved_hqc = tree.hqc


def _finish_block(state: Any, block: Block) -> bytes:
    """A checked block's economics on its ledger (``state`` is a :class:`BlockState`); its
    staking root."""
    root: bytes = state.finish_block(block)
    return root
