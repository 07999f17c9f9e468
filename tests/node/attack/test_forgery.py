"""The forged_evidence attack mode: its proposals are validly signed by the attacker, carry a
double vote framing another validator, and the evidence rules refuse them (the plain
re-execution checker would not)."""

from __future__ import annotations

import dataclasses

from tests.consensus.test_evidence_check import NET, assert_refused_only_by_evidence_rules
from zkpov.chain.state import AccountState, Transfer
from zkpov.consensus.actions import Broadcast
from zkpov.consensus.equivocation import sign_proposal
from zkpov.consensus.factory import ChainStart, build_core
from zkpov.consensus.leader import FixedLeaders
from zkpov.consensus.validity import NativeReexecution
from zkpov.node.attack.forgery import ForgingOutbox
from zkpov.spec.codec.evidence import decode_evidence
from zkpov.spec.codec.messages import decode_message, encode_message
from zkpov.spec.evidence import DoubleVote
from zkpov.spec.messages import Proposal
from zkpov.types import Round, ValidatorIndex


class Recorder:
    def __init__(self) -> None:
        self.broadcasts: list[bytes] = []

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None:
        return None

    def broadcast(self, payload: bytes) -> None:
        self.broadcasts.append(payload)


def test_forged_proposals_are_signed_and_refused_for_their_evidence() -> None:
    checker = NativeReexecution(NET.genesis.id, AccountState(), Transfer.from_bytes)
    leader = build_core(
        ChainStart(NET.vset, NET.genesis, NET.genesis_qc), ValidatorIndex(2), NET.sks[2], None,
        checker, leaders=FixedLeaders({Round(1): ValidatorIndex(2)}, 4),
    )  # fmt: skip
    first = next(a.message for a in leader.start(0.0) if isinstance(a, Broadcast))
    assert isinstance(first, Proposal)
    later = dataclasses.replace(first.block, round=Round(2))  # as if round 1 had timed out
    honest = sign_proposal(later, NET.scheme, NET.sks[2], None)
    inner = Recorder()
    outbox = ForgingOutbox(inner, ValidatorIndex(2), NET.sks[2], NET.scheme)
    outbox.broadcast(encode_message(honest))
    (sent,) = inner.broadcasts
    forged = decode_message(sent)
    assert isinstance(forged, Proposal) and outbox.sent == 1
    header = forged.block.header
    assert NET.vset.keyring.verify(2, header.signing_root, forged.signature)
    evidence = decode_evidence(forged.block.evidence[0])
    assert isinstance(evidence, DoubleVote) and evidence.first.voter == 0
    assert_refused_only_by_evidence_rules(forged.block, "signatures do not verify")
