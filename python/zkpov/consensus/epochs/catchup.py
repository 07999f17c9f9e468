"""Catching up with an epoch that others already left.

A validator that committed the reconfiguration block R leaves the epoch; one that has not yet
(its QC for R's 2-chain was lost, or came only to the leader) would wait for a quorum that is
gone. So a validator answers a message of an epoch it has left with the epoch-change proof from
that epoch on (at most once per peer per ``ANSWER_INTERVAL_FACTOR`` round timeouts), and a
lagging validator that verifies such a proof and holds R (with its chain state) commits the
path to R and switches; one that lacks R fetches it from the prover, and again whenever a peer
repeats the proof it verified (no second check). One too far behind to hold R needs state
sync (not here).
"""

from __future__ import annotations

from zkpov.chain.containers import ChainState, RegistryIndex
from zkpov.consensus.block_tree import MissingBlock
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.epochs.checker import EpochChecker
from zkpov.consensus.epochs.proof import EpochEnding
from zkpov.spec.messages import Block
from zkpov.types import Epoch

__all__ = ["MAX_ANSWERED_PEERS", "PeerEpochs", "ProofAnswers", "get_adoption_path"]

MAX_ANSWERED_PEERS = 1024
ANSWER_INTERVAL_FACTOR = 1.0


class ProofAnswers:
    """When each peer was last sent a proof (bounded: forgotten wholesale past the cap)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.last: dict[RegistryIndex, float] = {}

    def is_due(self, peer: RegistryIndex, now: float) -> bool:
        """True (and remembered) if ``peer`` may be answered now."""
        last = self.last.get(peer)
        if last is not None and now - last < self.interval:
            return False
        if len(self.last) >= MAX_ANSWERED_PEERS:
            self.last.clear()
        self.last[peer] = now
        return True


class PeerEpochs:
    """The epoch for which each peer's proof was last checked: a peer makes us verify a
    signature at most once per epoch we are in (bounded like :class:`ProofAnswers`)."""

    def __init__(self) -> None:
        self.last: dict[RegistryIndex, Epoch] = {}

    def is_new(self, peer: RegistryIndex, epoch: Epoch) -> bool:
        """True (and remembered) the first time ``peer`` is heard in ``epoch``."""
        if self.last.get(peer) == epoch:
            return False
        if len(self.last) >= MAX_ANSWERED_PEERS:
            self.last.clear()
        self.last[peer] = epoch
        return True


def get_adoption_path(
    core: ConsensusCore, checker: EpochChecker, ending: EpochEnding
) -> tuple[list[Block], ChainState] | None:
    """The uncommitted blocks up to the verified ending's R and the chain state after R, if
    this validator holds them (None: it cannot switch from the proof alone)."""
    state = checker.chain.get(ending.block.id)
    if state is None:
        return None
    try:
        path = core.tree.get_path_from_root(ending.block.id)
    except (MissingBlock, ValueError):
        return None
    return (path, state) if path else None
