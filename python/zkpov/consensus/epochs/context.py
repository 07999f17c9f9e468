"""Who a validator is across epochs, and what each epoch's core is built with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zkpov.chain.containers import RegistryIndex
from zkpov.consensus.core import PayloadSource
from zkpov.consensus.epochs.leaders import SeededLeaders
from zkpov.consensus.epochs.speculative import PayloadLedger
from zkpov.consensus.evidence_index import EvidenceIndex
from zkpov.consensus.leader import LeaderElection
from zkpov.consensus.safety import SafetyRules
from zkpov.consensus.validity import ValidityChecker
from zkpov.spec.validators import ValidatorSet

__all__ = ["ValidatorContext"]


@dataclass(frozen=True)
class ValidatorContext:
    """Who this validator is and what its cores are built with, epoch after epoch."""

    me: RegistryIndex
    sk: bytes
    inner: ValidityChecker  # shared by every epoch's checker (it keeps account states)
    payload_source: PayloadSource | None = None
    safety_rules: type[SafetyRules] = SafetyRules
    make_leaders: Callable[[ValidatorSet], LeaderElection] = SeededLeaders
    wall_offset_ms: int = 0
    test_only_break_vote_rule: bool = False  # the simulator's proof that its checks bite
    # offences committed blocks included (durable, shared by every epoch); None: no evidence
    # check before voting (only the simulator's test-only seam)
    evidence_index: EvidenceIndex | None = None
    # the node's ledger after a block's payload (staking ops); None: payloads move no stake
    payload_ledger: PayloadLedger | None = None
