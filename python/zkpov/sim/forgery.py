"""Byzantine behaviours that forge, flood or replay (simulation only).

- ``vote_forger``: with each vote it casts, sends the next leader forged votes on the same
  VoteData that claim every other validator as voter, with well-formed but wrong signatures (its
  own signature, and its signature over another message), several times each, spread over time
  to land after the honest votes they try to replace;
- ``bad_signature_voter``: sends its vote with an undecodable signature (95 bytes, or 96 bytes
  that are not a curve point, alternately);
- ``future_round_flooder``: on entering each round, floods every node with messages for rounds
  far ahead, all in its own name (peers accept signed messages only from their signer): votes
  and timeouts with garbage signatures, signed timeouts, and signed proposals with big payloads;
- ``tc_forger``: every timeout it sends (re-sends included) carries a freshly forged TC for the
  round before, and every proposal goes out as is and again with freshly forged TC(r - 1)s: each
  forged TC claims every validator (one signing group per signer where it can), a valid older
  QC and a garbage signature, so that it passes the cheap checks and costs a pairing check;
- ``stale_parent_proposer``: on entering each round it does not lead, proposes to every node a
  signed block at that round extending an ancient committed block (its first committed block, or
  the genesis); it leads its own rounds honestly, so only the defence is measured, not a lost
  slot.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import TypeGuard

from zkpov.consensus.actions import Action, Broadcast, ScheduleTimeout, SendTo
from zkpov.consensus.proposals import get_block_timestamp
from zkpov.sim.attack import Attacker, Delayed, Output, Rewrite, per_action, resign
from zkpov.spec.messages import (
    Block,
    Proposal,
    QuorumCert,
    Timeout,
    TimeoutCert,
    Vote,
    VoteData,
    compute_timeout_signing_root,
)
from zkpov.types import BlockId, Height, Round, ValidatorIndex

__all__ = ["REWRITES", "forge_tc"]

FORGE_DELAYS = (0.0, 0.03, 0.08, 0.2)  # seconds after its own vote: each forged vote is re-sent
FLOOD_ROUNDS = 8  # far-future rounds flooded per round entered
FLOOD_OFFSET = 1000  # how far ahead
FLOOD_PAYLOAD = bytes(64 * 1024)
TC_COPIES = 2  # forged TCs per timeout (one copy each) and extra copies per proposal


def _get_vote(action: Action) -> Vote | None:
    if isinstance(action, SendTo) and isinstance(action.message, Vote):
        return action.message
    return None


def _garbage(*parts: int) -> bytes:
    """96 deterministic junk bytes (not a signature)."""
    return hashlib.sha256(b"junk" + b"/".join(b"%d" % p for p in parts)).digest() * 3


# -- votes -----------------------------------------------------------------------------------------


def _forge_votes(action: Action, attacker: Attacker) -> list[Output]:
    vote = _get_vote(action)
    if vote is None or not isinstance(action, SendTo) or action.to == attacker.node.index:
        return [action]
    data = vote.vote_data
    other = attacker.scheme.sign(attacker.sk, b"not this vote" + data.signing_root)
    forged = [
        Vote(data, ValidatorIndex(voter), signature)
        for voter in range(len(attacker.vset))
        if voter != attacker.node.index
        for signature in (vote.signature, other)
    ]
    resent = [Delayed(d, SendTo(action.to, f)) for d in FORGE_DELAYS for f in forged]
    return [action, *resent]


def _bad_signature(action: Action, attacker: Attacker) -> list[Output]:
    vote = _get_vote(action)
    if vote is None or not isinstance(action, SendTo):
        return [action]
    signature = bytes(95) if vote.round % 2 else b"\x9f" + b"\xff" * 95  # x >= p: not a point
    return [SendTo(action.to, dataclasses.replace(vote, signature=signature))]


def _is_round_entry(action: Action, attacker: Attacker, key: str) -> TypeGuard[ScheduleTimeout]:
    """The first ``ScheduleTimeout`` of a round (a round was entered), once per ``key``."""
    if not isinstance(action, ScheduleTimeout) or attacker.state.get(key) == action.round:
        return False
    attacker.state[key] = action.round
    return True


# -- far-future flood ------------------------------------------------------------------------------


def _flood(action: Action, attacker: Attacker) -> list[Output]:
    core = attacker.core
    if core is None or not _is_round_entry(action, attacker, "flooded"):
        return [action]
    hqc = core.tree.hqc
    parent = core.tree.get(hqc.block_id)
    messages: list[object] = []
    for i in range(FLOOD_ROUNDS):
        far = Round(FLOOD_OFFSET + action.round * FLOOD_ROUNDS + i)
        messages += _make_flood_messages(attacker, far, hqc, parent)
    return [action, *(Broadcast(m) for m in messages)]  # type: ignore[arg-type]


def _make_flood_messages(
    attacker: Attacker, far: Round, hqc: QuorumCert, parent: Block | None
) -> list[object]:
    vset, own = attacker.vset, attacker.node.index
    fake_id = BlockId(_garbage(far)[:32])
    data = VoteData(vset.epoch, far, fake_id, Round(far - 1), fake_id)
    signed = attacker.scheme.sign(
        attacker.sk, compute_timeout_signing_root(vset.epoch, far, hqc.round)
    )
    messages: list[object] = [
        Vote(data, own, _garbage(far, 1)),
        Timeout(vset.epoch, far, hqc, own, _garbage(far, 2)),
        Timeout(vset.epoch, far, hqc, own, signed),
    ]
    if parent is not None and attacker.core is not None:
        block = Block(
            epoch=vset.epoch, round=far, height=Height(parent.height + 1), parent_id=parent.id,
            proposer=own, state_root=parent.state_root, qc=hqc, payload=FLOOD_PAYLOAD,
            randao_reveal=attacker.core.randao_reveal,
            timestamp_ms=get_block_timestamp(parent, attacker.core.wall_ms),
            validator_set_commitment=vset.commitment,
        )  # fmt: skip
        messages.append(resign(block, attacker, None))
    return messages


# -- forged timeout certificates -------------------------------------------------------------------


def forge_tc(attacker: Attacker, round_: Round, qc: QuorumCert) -> TimeoutCert:
    """A TC for ``round_`` claiming every validator, one hqc round (signing group) per signer
    where possible, and a well-formed but wrong signature (fresh each time: no cache hit). Its
    highest QC is ``qc`` or the newest ancestor QC below ``round_``."""
    count = attacker.state["forged_tcs"] = attacker.state.get("forged_tcs", 0) + 1
    hqc = _get_qc_below(attacker, qc, round_)
    size = len(attacker.vset)
    rounds = tuple(Round(hqc.round - i % (hqc.round + 1)) for i in range(size))
    signature = attacker.scheme.sign(attacker.sk, b"forged tc %d" % count)
    signers = tuple(ValidatorIndex(i) for i in range(size))
    return TimeoutCert(attacker.vset.epoch, round_, signers, rounds, signature, hqc)


def _get_qc_below(attacker: Attacker, qc: QuorumCert, round_: Round) -> QuorumCert:
    """``qc``, or the QC inside its block and so on down, until one is below ``round_``."""
    core = attacker.core
    while qc.round >= round_ and core is not None:
        block = core.tree.get(qc.block_id)
        if block is None or block.height == 0:
            return attacker.world.genesis_qc
        qc = block.qc
    return qc


def _attach_forged_tc(action: Action, attacker: Attacker) -> list[Output]:
    message = action.message if isinstance(action, Broadcast) else None
    if isinstance(message, Timeout):
        before = Round(message.round - 1)
        copies = [forge_tc(attacker, before, message.hqc) for _ in range(TC_COPIES)]
        return [Broadcast(dataclasses.replace(message, tc=tc)) for tc in copies]
    if isinstance(message, Proposal):
        block = message.block
        before = Round(block.round - 1)
        copies = [forge_tc(attacker, before, block.qc) for _ in range(TC_COPIES)]
        return [action, *(Broadcast(dataclasses.replace(message, tc=tc)) for tc in copies)]
    return [action]


# -- stale parents ---------------------------------------------------------------------------------


def _propose_stale(action: Action, attacker: Attacker) -> list[Output]:
    core = attacker.core
    if core is None or not _is_round_entry(action, attacker, "stale"):
        return [action]
    if core.get_round_leader(action.round) == attacker.node.index:
        return [action]  # no second proposal for a round it leads: that would be equivocation
    parent, qc = _get_ancient(attacker)
    block = Block(
        epoch=attacker.vset.epoch, round=action.round, height=Height(parent.height + 1),
        parent_id=parent.id, proposer=attacker.node.index, state_root=parent.state_root, qc=qc,
        randao_reveal=core.randao_reveal, timestamp_ms=get_block_timestamp(parent, core.wall_ms),
        validator_set_commitment=attacker.vset.commitment,
    )  # fmt: skip
    return [action, Broadcast(resign(block, attacker, None))]


def _get_ancient(attacker: Attacker) -> tuple[Block, QuorumCert]:
    """The first committed block and the QC on it (from its child), else the genesis."""
    committed = attacker.node.committed
    if len(committed) >= 2:
        return committed[0], committed[1].qc
    return attacker.world.genesis, attacker.world.genesis_qc


REWRITES: dict[str, Rewrite] = {
    "vote_forger": per_action(_forge_votes),
    "bad_signature_voter": per_action(_bad_signature),
    "future_round_flooder": per_action(_flood),
    "tc_forger": per_action(_attach_forged_tc),
    "stale_parent_proposer": per_action(_propose_stale),
}
