"""Peer penalties: offences drain a slowly refilling per-peer bucket; an empty one bans the peer."""

from __future__ import annotations

from tests.node.consensus_io.test_driver_faults import FakeCore, make_driver, make_vote
from tests.node.rpc.test_metrics import value
from zkpov.consensus.dispatch import SenderMismatch
from zkpov.consensus.quorum import InvalidCertificate
from zkpov.errors import ConsensusError, DecodeError
from zkpov.node.consensus_io.driver import DriverHooks
from zkpov.node.consensus_io.input_guard import ForgedTransfer
from zkpov.node.consensus_io.peer_penalties import PeerPenalties, PenaltyConfig
from zkpov.node.rpc.metrics import NodeMetrics
from zkpov.spec.codec.messages import encode_message
from zkpov.types import ValidatorIndex

OWN, PEER = ValidatorIndex(1), ValidatorIndex(3)
CONFIG = PenaltyConfig(offences_per_second=0.1, offence_burst=5.0, ban_seconds=30.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_penalties() -> tuple[PeerPenalties, list[tuple[ValidatorIndex, float]], Clock]:
    bans: list[tuple[ValidatorIndex, float]] = []
    clock = Clock()
    penalties = PeerPenalties(
        OWN, lambda i, s: bans.append((i, s)), NodeMetrics(), CONFIG, clock=clock
    )
    return penalties, bans, clock


def test_a_peer_is_banned_once_its_offences_pass_the_burst() -> None:
    penalties, bans, _ = make_penalties()
    for _ in range(5):
        penalties.on_rejected(PEER, InvalidCertificate("forged QC"))
    assert bans == []
    penalties.on_rejected(PEER, DecodeError("garbage"))
    assert bans == [(PEER, 30.0)] and penalties.offences[PEER] == 6
    metrics = penalties.metrics
    assert value(metrics, "zkpov_p2p_peer_offences_total") == 6
    assert value(metrics, "zkpov_p2p_peer_bans_total") == 1
    assert value(metrics, "zkpov_consensus_rejected_inputs_total", reason="verification") == 5
    assert value(metrics, "zkpov_consensus_rejected_inputs_total", reason="decode") == 1


def test_an_offence_by_validator_key_counts_against_its_index() -> None:
    bans: list[tuple[ValidatorIndex, float]] = []
    keys = (b"k0", b"k1", b"k2", b"k3")
    penalties = PeerPenalties(OWN, lambda i, s: bans.append((i, s)), NodeMetrics(), CONFIG,
                              pubkeys=keys)  # fmt: skip
    for _ in range(6):
        penalties.on_peer_offence(b"k3", ForgedTransfer("bad signature"))
        penalties.on_peer_offence(b"not-a-validator", ForgedTransfer("ignored"))
    assert bans == [(PEER, 30.0)] and penalties.offences == {PEER: 6}


def test_offences_are_forgiven_over_time() -> None:
    penalties, bans, clock = make_penalties()
    for _ in range(30):
        penalties.on_rejected(PEER, SenderMismatch("not yours"))
        clock.now += 10.0  # one offence every 10 s: the refill rate
    assert bans == [] and penalties.offences[PEER] == 30


def test_other_rejections_and_our_own_are_counted_but_never_penalised() -> None:
    penalties, bans, _ = make_penalties()
    for _ in range(20):
        penalties.on_rejected(PEER, ConsensusError("stale"))
        penalties.on_rejected(OWN, InvalidCertificate("ours"))
    assert bans == [] and penalties.offences == {}
    assert value(penalties.metrics, "zkpov_consensus_rejected_inputs_total", reason="other") == 20


def test_a_peer_forging_votes_through_the_driver_is_banned() -> None:
    penalties, bans, _ = make_penalties()
    core = FakeCore()
    driver = make_driver(core, DriverHooks(on_rejected=penalties.on_rejected))
    forged = encode_message(make_vote(2))  # validator 2's vote, sent by validator 3
    for _ in range(6):
        driver.on_input(PEER, forged)
    assert bans == [(PEER, 30.0)] and core.received == []
    assert (
        value(penalties.metrics, "zkpov_consensus_rejected_inputs_total", reason="wrong_sender")
        == 6
    )
