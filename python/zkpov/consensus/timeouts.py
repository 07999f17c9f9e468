"""The core's timeout path: local timeouts, echoes, TCs and retransmission.

Without progress a validator signs a timeout at its round's deadline and broadcasts it; timeouts
of the current round with echo power make a validator that has not timed out sign its own; at
quorum power they form a TC, which enters the next round. Once per round the node re-sends its
proposal (as leader) and vote; after a local timeout it re-sends its timeout (with TC(r - 1))
and its vote every period (docs/design.md, "Timeouts, TCs, thresholds, pacemaker").

The functions act on the core through :class:`TimeoutHost` (``ConsensusCore`` is one), the
state they read and change; the core calls them from its handlers.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from zkpov.consensus.acceptance import is_in_window
from zkpov.consensus.actions import Action, Broadcast, PersistSafety, ScheduleTimeout, SendTo
from zkpov.consensus.block_tree import BlockTree
from zkpov.consensus.pacemaker import Pacemaker
from zkpov.consensus.quorum import TimeoutCollector
from zkpov.consensus.safety import SafetyRules, UnsafeTimeout
from zkpov.consensus.tc_gate import get_justifying_tc
from zkpov.spec.messages import Block, Proposal, QuorumCert, Timeout, TimeoutCert
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Round, ValidatorIndex

__all__ = ["TimeoutHost", "process_timeout", "process_timer"]


class TimeoutHost(Protocol):
    """What the timeout path reads and changes of the core."""

    vset: ValidatorSet
    index: ValidatorIndex
    safety: SafetyRules
    tree: BlockTree
    pacemaker: Pacemaker
    now: float
    htc: TimeoutCert | None
    timeouts: dict[Round, TimeoutCollector]
    last_timeout: Timeout | None
    last_proposal: Proposal | None

    def get_next_leader(self, block: Block) -> ValidatorIndex | None: ...

    def _process_certificates(
        self, qc: QuorumCert | None, tc: TimeoutCert | None
    ) -> list[Action]: ...


def process_timer(host: TimeoutHost) -> list[Action]:
    """Time passed: retransmit when due; at the deadline time out, or repeat our timeout."""
    pacemaker = host.pacemaker
    actions = _retransmit(host) if pacemaker.is_retransmit_due(host.now) else []
    if not pacemaker.is_expired(host.now):
        return actions
    if pacemaker.is_timed_out() and host.last_timeout is not None:
        return actions + _repeat_timeout(host, host.last_timeout)
    return actions + _local_timeout(host)


def process_timeout(host: TimeoutHost, timeout: Timeout, tc: TimeoutCert | None) -> list[Action]:
    """Apply a verified timeout (and its checked TC): learn its certificates, then collect it."""
    actions = host._process_certificates(timeout.hqc, tc)
    current = host.pacemaker.round
    if timeout.round < current or not is_in_window(timeout.round, current):
        return actions
    return actions + _collect_timeout(host, timeout)


def _repeat_timeout(host: TimeoutHost, last: Timeout) -> list[Action]:
    deadline = host.pacemaker.process_local_timeout(host.now)
    resend = dataclasses.replace(last, tc=get_justifying_tc(host.htc, last.round))
    schedule = ScheduleTimeout(host.pacemaker.round, deadline)
    return [Broadcast(resend), *_resend_vote(host), schedule]


def _retransmit(host: TimeoutHost) -> list[Action]:
    """Re-send this round's proposal (as its leader) and vote, which may have been lost."""
    proposal = host.last_proposal
    mine = proposal is not None and proposal.block.round == host.pacemaker.round
    return ([Broadcast(proposal)] if mine and proposal else []) + _resend_vote(host)


def _resend_vote(host: TimeoutHost) -> list[Action]:
    vote = host.safety.data.last_vote
    if vote is None or vote.round != host.pacemaker.round:
        return []
    block = host.tree.get(vote.vote_data.block_id)
    leader = None if block is None else host.get_next_leader(block)
    return [] if leader is None or leader == host.index else [SendTo(leader, vote)]


def _local_timeout(host: TimeoutHost) -> list[Action]:
    tc_round = Round(host.htc.round if host.htc is not None else 0)
    try:
        timeout = host.safety.sign_timeout(host.pacemaker.round, host.tree.hqc, tc_round)
    except UnsafeTimeout:
        return []
    deadline = host.pacemaker.process_local_timeout(host.now)
    timeout = dataclasses.replace(timeout, tc=get_justifying_tc(host.htc, timeout.round))
    host.last_timeout = timeout
    actions: list[Action] = [PersistSafety(host.safety.data), Broadcast(timeout)]
    actions += [*_resend_vote(host), ScheduleTimeout(host.pacemaker.round, deadline)]
    return actions + _collect_timeout(host, timeout)


def _collect_timeout(host: TimeoutHost, timeout: Timeout) -> list[Action]:
    collector = host.timeouts.setdefault(timeout.round, TimeoutCollector(host.vset, timeout.round))
    collector.add(timeout)
    actions: list[Action] = []
    is_current = timeout.round == host.pacemaker.round
    if is_current and collector.has_echo() and not host.pacemaker.is_timed_out():
        actions += _local_timeout(host)
    tc = collector.get_tc()
    if tc is not None:
        actions += host._process_certificates(None, tc)
    return actions
