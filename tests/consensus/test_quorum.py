"""QC/TC verification and optimistic vote aggregation, with real BLS and stake weights."""

from __future__ import annotations

import dataclasses

import pytest

from tests.consensus.consensus_helpers import Net, make_net
from zkpov.consensus.quorum import (
    InvalidCertificate,
    InvalidTimeout,
    TimeoutCollector,
    VoteCollector,
    verify_qc,
    verify_tc,
    verify_timeout,
)
from zkpov.consensus.safety import SafetyRules
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import (
    QuorumCert,
    Timeout,
    TimeoutCert,
    Vote,
    VoteData,
    compute_timeout_signing_root,
)
from zkpov.spec.safety_data import SafetyData
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex

DATA = VoteData(Epoch(0), Round(1), BlockId(b"\x01" * 32), Round(0), BlockId(b"\x00" * 32))


def vote(net: Net, voter: int, data: VoteData = DATA, signer: int | None = None) -> Vote:
    sk = net.sks[voter if signer is None else signer]
    return Vote(data, ValidatorIndex(voter), net.scheme.sign(sk, data.signing_root))


def qc_of(net: Net, voters: list[int], data: VoteData = DATA) -> QuorumCert:
    sig = net.scheme.aggregate([vote(net, v, data).signature for v in voters])
    return QuorumCert(data, compute_bitfield(voters, len(net.vset)), sig)


@pytest.fixture(scope="module")
def weighted() -> Net:
    return make_net(4, stakes=[70, 10, 10, 10])


def test_qc_needs_more_than_two_thirds_of_stake_not_of_validators(weighted: Net) -> None:
    verify_qc(qc_of(weighted, [0]), weighted.vset)  # 70 of 100
    with pytest.raises(InvalidCertificate, match="quorum"):
        verify_qc(qc_of(weighted, [1, 2, 3]), weighted.vset)  # 3 of 4 validators, 30 of 100


def test_qc_with_a_wrong_signature_or_signer_set_fails(weighted: Net) -> None:
    good = qc_of(weighted, [0, 1])
    with pytest.raises(InvalidCertificate, match="aggregate"):
        verify_qc(dataclasses.replace(good, signers=compute_bitfield([0, 2], 4)), weighted.vset)
    with pytest.raises(InvalidCertificate, match="bitfield"):
        verify_qc(dataclasses.replace(good, signers=b"\x03\x00"), weighted.vset)
    with pytest.raises(InvalidCertificate, match="epoch"):
        verify_qc(
            dataclasses.replace(good, vote_data=dataclasses.replace(DATA, epoch=Epoch(1))),
            weighted.vset,
        )


def test_optimistic_aggregation_drops_a_bad_vote_and_still_forms_the_qc() -> None:
    net = make_net(4)
    collector = VoteCollector(net.vset)
    assert collector.on_vote(vote(net, 0)) == (None, None)
    assert collector.on_vote(vote(net, 1, signer=3)) == (None, None)  # forged: signed by 3
    qc, _ = collector.on_vote(vote(net, 2))
    assert qc is None and set(collector.pending[DATA]) == {0, 2}  # aggregate failed, 1 dropped
    qc, _ = collector.on_vote(vote(net, 3))
    assert qc is not None and qc.signers == compute_bitfield([0, 2, 3], 4)
    verify_qc(qc, net.vset)


def test_collector_reports_a_verified_double_vote() -> None:
    net = make_net(4)
    collector = VoteCollector(net.vset)
    other = dataclasses.replace(DATA, block_id=BlockId(b"\x02" * 32))
    collector.on_vote(vote(net, 1))
    _, double = collector.on_vote(vote(net, 1, other))
    assert double is not None and {d.vote_data.block_id for d in double} == {
        DATA.block_id,
        other.block_id,
    }
    _, forged = collector.on_vote(vote(net, 2, other, signer=0))
    assert forged is None


def _timeouts(net: Net, signers: list[int], round_: int = 2) -> list[Timeout]:
    result = []
    for i in signers:
        rules = SafetyRules(SafetyData(Epoch(0)), ValidatorIndex(i), net.sks[i], net.scheme)
        result.append(rules.sign_timeout(Round(round_), net.genesis_qc, Round(1)))
    return result


def test_timeouts_echo_above_one_third_and_certify_above_two_thirds() -> None:
    net = make_net(4)
    collector = TimeoutCollector(net.vset, Round(2))
    items = _timeouts(net, [0, 1, 2])
    for t in items:
        verify_timeout(t, net.vset, net.genesis_qc)
    collector.add(items[0])
    assert not collector.has_echo() and collector.get_tc() is None
    collector.add(items[1])
    assert collector.has_echo() and collector.get_tc() is None
    collector.add(items[2])
    tc = collector.get_tc()
    assert tc is not None and tc.signers == (0, 1, 2)
    verify_tc(tc, net.vset, net.genesis_qc)


def test_tc_with_repeated_signer_or_wrong_rounds_fails() -> None:
    net = make_net(4)
    collector = TimeoutCollector(net.vset, Round(2))
    for t in _timeouts(net, [0, 1, 2]):
        collector.add(t)
    tc = collector.get_tc()
    assert tc is not None
    bad_signers = dataclasses.replace(tc, signers=(0, 0, 1))
    with pytest.raises(InvalidCertificate, match="distinct"):
        verify_tc(bad_signers, net.vset, net.genesis_qc)
    with pytest.raises(InvalidCertificate, match="aggregate"):
        verify_tc(dataclasses.replace(tc, round=Round(3)), net.vset, net.genesis_qc)
    too_few = TimeoutCert(
        tc.epoch, tc.round, tc.signers[:2], tc.hqc_rounds[:2], tc.signature, tc.highest_qc
    )
    with pytest.raises(InvalidCertificate, match="quorum"):
        verify_tc(too_few, net.vset, net.genesis_qc)


def test_timeout_with_a_bad_signature_is_refused() -> None:
    net = make_net(4)
    good = _timeouts(net, [0])[0]
    with pytest.raises(InvalidTimeout, match="signature"):
        verify_timeout(
            dataclasses.replace(good, signer=ValidatorIndex(1)), net.vset, net.genesis_qc
        )


def test_power_cache_is_filled_only_by_verified_qcs_and_is_bounded() -> None:
    net = make_net(4, scheme="insecure-hash")
    forged = dataclasses.replace(qc_of(net, [0, 1, 2]), signature=bytes(96))
    for signers in ([0, 1, 2], [0, 1, 3], [1, 2, 3]):
        with pytest.raises(InvalidCertificate, match="aggregate"):
            verify_qc(dataclasses.replace(forged, signers=compute_bitfield(signers, 4)), net.vset)
    assert net.vset.get_power_cache_size() == 0
    verify_qc(qc_of(net, [0, 1, 2]), net.vset)
    assert net.vset.get_power_cache_size() == 1
    for i in range(5000):
        net.vset.remember_signers_power(i.to_bytes(2, "big"), 1)
    assert net.vset.get_power_cache_size() == 4096


def _root_qc(net: Net, round_: int) -> QuorumCert:
    data = dataclasses.replace(DATA, round=Round(round_), parent_round=Round(round_ - 1))
    return qc_of(net, [0, 1, 2], data)


def test_a_qc_below_the_trusted_root_is_accepted_without_its_signature() -> None:
    net = make_net(4)
    root = _root_qc(net, 5)
    verify_qc(net.genesis_qc, net.vset, root)  # unsigned, round 0 < 5
    with pytest.raises(InvalidCertificate, match="quorum"):
        verify_qc(net.genesis_qc, net.vset)  # no root given: checked in full
    at_root = dataclasses.replace(root, signature=net.genesis_qc.signature, signers=b"\x00")
    with pytest.raises(InvalidCertificate, match="quorum"):
        verify_qc(at_root, net.vset, root)  # same round as the root, not the root: checked
    other_epoch = dataclasses.replace(net.genesis_qc.vote_data, epoch=Epoch(1))
    with pytest.raises(InvalidCertificate, match="epoch"):
        verify_qc(dataclasses.replace(net.genesis_qc, vote_data=other_epoch), net.vset, root)


def test_a_tc_carrying_the_genesis_qc_checks_against_a_later_root() -> None:
    net = make_net(4)
    collector = TimeoutCollector(net.vset, Round(7))
    for i in (0, 1, 2):
        root = compute_timeout_signing_root(Epoch(0), Round(7), Round(0))
        signature = net.scheme.sign(net.sks[i], root)
        timeout = Timeout(Epoch(0), Round(7), net.genesis_qc, ValidatorIndex(i), signature)
        verify_timeout(timeout, net.vset, _root_qc(net, 5))
        collector.add(timeout)
    tc = collector.get_tc()
    assert tc is not None and tc.highest_qc == net.genesis_qc
    verify_tc(tc, net.vset, _root_qc(net, 5))


def test_timeout_collector_keeps_one_entry_per_member_of_its_round() -> None:
    net = make_net(4, scheme="insecure-hash")
    collector = TimeoutCollector(net.vset, Round(2))
    timeout = _timeouts(net, [0])[0]
    collector.add(dataclasses.replace(timeout, signer=ValidatorIndex(9)))
    collector.add(dataclasses.replace(timeout, round=Round(3)))
    assert collector.timeouts == {} and collector.power == 0
    for _ in range(3):
        collector.add(timeout)
    assert list(collector.timeouts) == [0] and collector.power == 10
