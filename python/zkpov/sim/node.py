"""A simulated validator: a consensus core, its durable state, and crash/restart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zkpov.consensus.actions import Action
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.dispatch import dispatch_message
from zkpov.consensus.epochs.manager import EpochManager
from zkpov.consensus.epochs.proof import EpochEnding
from zkpov.consensus.evidence_index import EvidenceIndex
from zkpov.consensus.safety import SafetyRules
from zkpov.errors import DecodeError, ZkpovError
from zkpov.spec.messages import Block, QuorumCert, Timeout, TimeoutCert, Vote
from zkpov.spec.safety_data import SafetyData
from zkpov.storage.interface import SafetyStore
from zkpov.storage.memory import MemorySafetyStore
from zkpov.types import NodeId, Round, ValidatorIndex

__all__ = ["Driver", "RecordingSafetyRules", "SignedRecord", "SimNode", "make_recording_rules"]

ROUND_ZERO = Round(0)
Driver = ConsensusCore | EpochManager  # what a node's inputs go to (a manager when epochs are on)


@dataclass(frozen=True)
class SignedRecord:
    """What a validator signed, with the inputs the rule checks need."""

    kind: str  # "vote" or "timeout"
    round: Round
    block: Block | None = None
    tc: TimeoutCert | None = None
    hqc: QuorumCert | None = None
    tc_round: Round = ROUND_ZERO
    one_chain_before: Round = ROUND_ZERO
    message: Any = None


class RecordingSafetyRules(SafetyRules):
    """SafetyRules that also log each new signature for the invariant checker."""

    records: list[SignedRecord]

    def sign_vote(self, block: Block, tc: TimeoutCert | None) -> tuple[Vote, bool]:
        vote, is_new = super().sign_vote(block, tc)
        if is_new:
            self.records.append(SignedRecord("vote", block.round, block=block, tc=tc, message=vote))
        return vote, is_new

    def sign_timeout(self, round_: Round, hqc: QuorumCert, tc_round: Round) -> Timeout:
        before = self.data.one_chain_round
        timeout = super().sign_timeout(round_, hqc, tc_round)
        record = SignedRecord(
            "timeout", round_, hqc=hqc, tc_round=tc_round, one_chain_before=before, message=timeout
        )
        self.records.append(record)
        return timeout


def make_recording_rules(records: list[SignedRecord]) -> type[RecordingSafetyRules]:
    """RecordingSafetyRules logging into ``records`` (for the cores an epoch manager builds)."""
    return type("NodeRecordingSafetyRules", (RecordingSafetyRules,), {"records": records})


@dataclass
class SimNode:
    """One instance (twins share a validator index and key)."""

    node_id: NodeId
    index: ValidatorIndex
    sk: bytes
    behaviour: str = "honest"
    store: SafetyStore = field(default_factory=MemorySafetyStore)
    committed: list[Block] = field(default_factory=list)
    core: ConsensusCore | None = None
    checker: Any = None
    crashed: bool = False
    lives: int = 0
    rejected: int = 0
    failures: int = 0
    last_failure: str = ""
    attack: dict[str, Any] = field(default_factory=dict)
    records: list[SignedRecord] = field(default_factory=list)
    root: tuple[Block, QuorumCert] | None = None
    manager: EpochManager | None = None  # epochs on: the manager above ``core``
    endings: list[EpochEnding] = field(default_factory=list)  # durable, with the block store
    offences: EvidenceIndex = field(default_factory=EvidenceIndex)  # durable, as the node's

    @property
    def is_honest(self) -> bool:
        return self.behaviour == "honest"

    def load_safety_data(self, epoch: int) -> SafetyData:
        from zkpov.types import Epoch

        return self.store.load() or SafetyData(Epoch(epoch))

    def handle(self, message: object, sender: ValidatorIndex, now: float) -> list[Action] | None:
        """Feed one message to the core: rejected input is counted, never fatal; None when the
        core failed (any other exception: the caller restarts the node)."""
        manager = self.manager
        if manager is not None:
            return self.call_core(lambda _: manager.on_message(message, sender, now))
        core = self.core
        if core is None:
            return []
        return self.call_core(lambda _: dispatch_message(core, message, sender, now))

    def call_core(self, run: Callable[[Driver], list[Action]]) -> list[Action] | None:
        """``run(driver)`` (the epoch manager, else the core); ``[]`` if the input was rejected
        (a ``ZkpovError`` changes nothing), None if the core failed with anything else (a bug,
        a failure mid-mutation: fatal)."""
        driver: Driver | None = self.manager if self.manager is not None else self.core
        if driver is None or self.crashed:
            return []
        try:
            actions = run(driver)
            if self.manager is not None:
                self.core = self.manager.core  # a new one after an epoch switch
            return actions
        except (ZkpovError, DecodeError):
            self.rejected += 1
            return []
        except Exception as exc:  # any other exception is fatal for this core
            self.failures += 1
            self.last_failure = f"{type(exc).__name__}: {exc}"
            return None
