"""Entering rounds: ``round = max(hqc.round, htc.round) + 1``, and it never decreases.

On entering a round the core prunes its per-round tables (votes, timeouts, TC checks, evidence
of old rounds), sets the round's deadline and retransmission time, and, as the round's leader
(or when the leader is unknown), its pacing time: it proposes at
``max(round_started_at, previous_round_started_at + block_time)`` (``Pacemaker``), once it holds
the block to extend (:func:`zkpov.consensus.proposing.propose_if_due`).
"""

from __future__ import annotations

from typing import Protocol

from zkpov.consensus.actions import Action, ScheduleTimeout
from zkpov.consensus.proposing import ProposerHost, propose_if_due
from zkpov.consensus.quorum import TimeoutCollector, VoteCollector
from zkpov.consensus.tc_gate import TcGate
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Round

__all__ = ["RoundHost", "advance_round"]


class RoundHost(ProposerHost, Protocol):
    """What entering a round reads and changes of the core (``ConsensusCore`` is one)."""

    vset: ValidatorSet
    votes: dict[Round, VoteCollector]
    timeouts: dict[Round, TimeoutCollector]
    tc_gate: TcGate


def advance_round(host: RoundHost) -> list[Action]:
    """Enter the round our highest QC or TC justifies, if it is new: timers, and the proposal
    when we lead it."""
    tc_round = host.htc.round if host.htc is not None else -1
    new_round = Round(max(host.tree.hqc.round, tc_round) + 1)
    via_tc = tc_round >= host.tree.hqc.round
    pacemaker, block_time = host.pacemaker, host.vset.config.block_time
    if not pacemaker.process_new_round(new_round, host.now, via_tc):
        return []
    _prune_tables(host, new_round)
    start, due = host.now, []
    if host.get_round_leader(new_round) in (host.index, None):
        start = pacemaker.get_proposal_time(block_time)
        host.proposal_due = (new_round, start)
        pacemaker.deadline = start + pacemaker.get_duration()
        due = propose_if_due(host) or [ScheduleTimeout(new_round, start)]
    retransmit = pacemaker.schedule_retransmit(start, block_time)
    actions: list[Action] = [ScheduleTimeout(new_round, pacemaker.deadline)]
    if retransmit != float("inf"):
        actions.append(ScheduleTimeout(new_round, retransmit))
    return actions + due


def _prune_tables(host: RoundHost, new_round: Round) -> None:
    """Drop what peers filled for rounds before ``new_round - 2``."""
    for table in (host.votes, host.timeouts):
        for old in [r for r in table if r + 2 < new_round]:
            del table[old]
    host.tc_gate.prune(new_round)
    host.evidence.prune(new_round)
