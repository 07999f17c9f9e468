"""zkpov.node.state.commit_pipeline: the evidence records one equivocator can grow are bounded."""

from __future__ import annotations

from typing import Any, cast

from tests.consensus.consensus_helpers import make_net
from zkpov.consensus.equivocation import build_double_vote
from zkpov.consensus.evidence_pool import EvidencePool, get_evidence_round
from zkpov.node.state.commit_pipeline import MAX_EVIDENCE_RECORDS, CommitPipeline, NodeCounters
from zkpov.spec.codec.evidence import decode_evidence
from zkpov.spec.evidence import DoubleVote
from zkpov.spec.messages import Vote, VoteData
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex


def test_one_double_voter_cannot_grow_the_evidence_records_without_bound() -> None:
    net = make_net(4, scheme="insecure-hash")
    pool, counters = EvidencePool(), NodeCounters()
    unused = cast(Any, None)  # on_evidence touches only the counters
    pipeline = CommitPipeline(unused, unused, None, None, False, unused, counters)
    rounds = MAX_EVIDENCE_RECORDS + 100
    for r in range(1, rounds + 1):  # a new offence every round, as a --byzantine double_vote
        data = VoteData(Epoch(0), Round(r), BlockId(b"\x01" * 32), Round(r - 1), net.genesis.id)
        vote = Vote(data, ValidatorIndex(3), net.scheme.sign(net.sks[3], data.signing_root))
        for action in pool.record(
            DoubleVote(vote, build_double_vote(vote, net.scheme, net.sks[3]))
        ):
            pipeline.on_evidence(action)
    assert len(counters.evidence) == MAX_EVIDENCE_RECORDS
    assert counters.evidence[-1].offender == 3 and counters.evidence[-1].kind == "double_vote"
    kept = [get_evidence_round(decode_evidence(r.evidence)) for r in counters.evidence]
    assert kept == list(range(rounds - MAX_EVIDENCE_RECORDS + 1, rounds + 1))  # the latest
