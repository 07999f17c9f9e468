"""The equivocating outbox in a real network of four drivers on the loopback hub (real BLS,
real slashing guards): the attacker's honest message is recorded in its slashing DB and sent
first, the conflicting one follows and is never recorded, and the honest validators record
evidence against it, keep committing and agree."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.node.consensus_io.test_driver import Recorder, agree, make_net
from tests.support.checkers import build_native_checker
from tests.support.loopback import LoopbackHub, run_until_committed
from zkpov.consensus.actions import RecordEvidence
from zkpov.consensus.factory import build_core
from zkpov.node.attack.outbox import EquivocatingOutbox
from zkpov.node.consensus_io.driver import ConsensusDriver, DriverHooks, Outbox
from zkpov.node.consensus_io.slashing_guard import SlashingGuard
from zkpov.node.state.bootstrap import build_chain_start
from zkpov.node.state.genesis import compute_genesis_hash
from zkpov.spec.codec.messages import decode_message
from zkpov.spec.messages import Message, Proposal, Vote
from zkpov.storage.safety_store import FileSafetyStore
from zkpov.storage.slashing_db import SignedKind, SlashingDB
from zkpov.types import ValidatorIndex

ATTACKER = ValidatorIndex(1)
KINDS = {"double_vote": (Vote, SignedKind.VOTE), "double_proposal": (Proposal, SignedKind.PROPOSAL)}


@dataclass
class Wire:
    """What the attacker really sent, in order (below the equivocating outbox)."""

    inner: Outbox
    sent: list[Message] = field(default_factory=list)

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None:
        self.sent.append(decode_message(payload))
        self.inner.send_to(to, payload, bulk)

    def broadcast(self, payload: bytes) -> None:
        self.sent.append(decode_message(payload))
        self.inner.broadcast(payload)


def signing_root(message: Message) -> bytes:
    if isinstance(message, Vote):
        return message.vote_data.signing_root
    assert isinstance(message, Proposal)
    return message.block.header.signing_root


async def run_attack(tmp_path: Path, mode: str, until_height: int) -> None:
    genesis, sks = make_net(tmp_path, 4)
    start, hub = build_chain_start(genesis), LoopbackHub()
    recorders, evidence = [Recorder() for _ in range(4)], list[RecordEvidence]()
    pubkey = bytes(start.vset.pubkeys[ATTACKER])
    dbs, drivers, wire = [], [], Wire(hub.outbox_for(ATTACKER))
    for i in range(4):
        index = ValidatorIndex(i)
        core = build_core(start, index, sks[i], None, build_native_checker(start, genesis))
        dbs.append(SlashingDB(tmp_path / f"slashing{i}.sqlite", compute_genesis_hash(genesis)))
        guard = SlashingGuard(dbs[i], index, bytes(start.vset.pubkeys[i]))
        on_evidence = evidence.append if i != ATTACKER else lambda _: None
        hooks = DriverHooks(recorders[i].on_commit, on_evidence, guard)
        outbox: Outbox = hub.outbox_for(index)
        if index == ATTACKER:
            outbox = EquivocatingOutbox(wire, index, sks[i], start.vset.scheme, mode)
        store = FileSafetyStore(tmp_path / f"safety{i}.bin")
        drivers.append(ConsensusDriver(core, outbox, store, hooks))
        hub.attach(index, drivers[i])
    kind, (message_type, signed_kind) = mode, KINDS[mode]

    def get_counts() -> list[int]:  # 0 until evidence: the attacker may lead no early round
        caught = any(e.kind == kind and e.offender == ATTACKER for e in evidence)
        return [len(r.committed) if caught else 0 for r in recorders]

    await run_until_committed(drivers, get_counts, until_height, 90)
    assert agree([r.committed for r in recorders])
    assert any(e.kind == kind and e.offender == ATTACKER for e in evidence), evidence
    assert all(e.offender == ATTACKER for e in evidence)
    recorded = {r.signing_root for r in dbs[ATTACKER].get_records(pubkey, signed_kind)}
    own = [m for m in wire.sent if isinstance(m, message_type) and _is_own(m)]
    honest = [m for m in own if signing_root(m) in recorded]
    conflicting = [m for m in own if signing_root(m) not in recorded]
    assert conflicting and len(conflicting) <= len(honest)
    for extra in conflicting:  # each follows its round's honest message, already recorded
        first = next(m for m in own if signing_root(m) in recorded and _round(m) == _round(extra))
        assert own.index(first) < own.index(extra)
    for db in dbs:
        db.close()


def _is_own(message: Message) -> bool:
    if isinstance(message, Vote):
        return message.voter == ATTACKER
    return isinstance(message, Proposal) and message.block.proposer == ATTACKER


def _round(message: Message) -> int:
    if isinstance(message, Vote):
        return int(message.vote_data.round)
    assert isinstance(message, Proposal)
    return int(message.block.round)


@pytest.mark.parametrize("mode", ["double_vote", "double_proposal"])
def test_the_attack_follows_the_recorded_honest_message(tmp_path: Path, mode: str) -> None:
    asyncio.run(run_attack(tmp_path, mode, 8))
