"""The invariant checker fails when it should (each check fed a real violation)."""

from __future__ import annotations

import dataclasses

import pytest

from zkpov.consensus.actions import Commit
from zkpov.consensus.leader import BlockLookup
from zkpov.consensus.reputation_leaders import ReputationLeaders
from zkpov.sim.invariants import InvariantChecker
from zkpov.sim.node import SignedRecord, SimNode
from zkpov.sim.runner import Simulation
from zkpov.sim.scenarios import SimConfig
from zkpov.sim.setup import World, build_world
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import Block, QuorumCert, TimeoutCert, Vote, VoteData
from zkpov.types import BlockId, Epoch, Height, NodeId, Round, ValidatorIndex


@pytest.fixture
def world() -> World:
    return build_world(SimConfig(validators=4, scheme="insecure-hash"))


def checker(world: World) -> InvariantChecker:
    return InvariantChecker(world.vset, world.genesis_qc, world.make_leaders(), world.genesis)


def signed_qc(world: World, data: VoteData, signers: list[int]) -> QuorumCert:
    sks = [n.sk for n in world.nodes]
    sig = world.scheme.aggregate([world.scheme.sign(sks[i], data.signing_root) for i in signers])
    return QuorumCert(data, compute_bitfield(signers, 4), sig)


def block(world: World, round_: int, tag: bytes = b"", proposer: int | None = None) -> Block:
    leaders = world.make_leaders()
    leader = leaders.get_leader(Round(round_), world.genesis) if proposer is None else proposer
    return Block(
        Epoch(0), Round(round_), Height(1), world.genesis.id, ValidatorIndex(leader),
        world.genesis.state_root, world.genesis_qc, tag,
    )  # fmt: skip


def commit_of(world: World, b: Block, consecutive: bool = True) -> Commit:
    data = VoteData(
        Epoch(0), Round(b.round + (1 if consecutive else 2)), BlockId(b"\x09" * 32), b.round, b.id
    )
    return Commit((b,), signed_qc(world, data, [0, 1, 2]))


def test_agreement_and_accountability(world: World) -> None:
    check = checker(world)
    a, b = world.nodes[0], world.nodes[1]
    check.check_commit(a, commit_of(world, block(world, 1)), 0)
    check.check_commit(b, commit_of(world, block(world, 1, b"\x90")), 0)
    assert [v.split(":")[0] for v in check.violations] == ["agreement", "accountability"]


def test_two_chain_and_certificate_checks(world: World) -> None:
    check = checker(world)
    bad = commit_of(world, block(world, 1), consecutive=False)
    check.check_commit(world.nodes[0], bad, 0)
    forged = dataclasses.replace(
        commit_of(world, block(world, 2)),
        commit_qc=dataclasses.replace(bad.commit_qc, signature=b"\x00" * 96),
    )
    check.check_commit(world.nodes[0], forged, 0)
    assert {v.split(":")[0] for v in check.violations} >= {
        "two_chain_commit",
        "certificate_validity",
    }


def test_recommitting_a_height_breaks_irreversible_finality(world: World) -> None:
    check = checker(world)
    check.check_commit(world.nodes[0], commit_of(world, block(world, 1)), 0)
    check.check_commit(world.nodes[0], commit_of(world, block(world, 1)), 1)
    assert [v.split(":")[0] for v in check.violations] == ["irreversible_finality"]


def test_vote_timeout_and_leader_rules(world: World) -> None:
    check = checker(world)
    node = world.nodes[0]
    b3 = block(world, 3)
    vote = Vote(
        VoteData(Epoch(0), Round(3), b3.id, Round(0), world.genesis.id), ValidatorIndex(0), b""
    )
    check.check_records(
        node, [SignedRecord("vote", Round(3), block=b3, message=vote)]
    )  # QC 0, no TC
    other = block(world, 3, b"\x90", proposer=(b3.proposer + 1) % 4)
    check.check_records(node, [SignedRecord("vote", Round(3), block=other, message=vote)])
    check.check_records(
        node, [SignedRecord("timeout", Round(2), hqc=world.genesis_qc, tc_round=Round(0))]
    )
    kinds = {v.split(":")[0] for v in check.violations}
    assert kinds == {"vote_rule", "one_vote_per_round", "leader_determinism", "timeout_rule"}


def test_round_monotonicity(world: World) -> None:
    check = checker(world)
    node = SimNode(NodeId(0), ValidatorIndex(0), b"", lives=1)
    world.boot(node)
    assert node.core is not None
    node.core.pacemaker.round = Round(5)
    check.check_round(node)
    node.core.pacemaker.round = Round(4)
    check.check_round(node)
    assert {v.split(":")[0] for v in check.violations} == {"round_monotonicity"}


def test_tc_check_catches_a_forged_tc(world: World) -> None:
    check = checker(world)
    tc = TimeoutCert(
        Epoch(0),
        Round(1),
        (ValidatorIndex(0), ValidatorIndex(1), ValidatorIndex(2)),
        (Round(0),) * 3,
        b"\x00" * 96,
        world.genesis_qc,
    )
    check.check_tc(tc)
    assert check.violations and check.violations[0].startswith("certificate_validity")


def test_an_honest_run_has_none(world: World) -> None:
    from zkpov.sim import run_simulation

    assert run_simulation(validators=4, rounds=10, seed=9, scheme="insecure-hash").violations == []


def _vote_on(check: InvariantChecker, world: World, proposer: int) -> None:
    b1 = block(world, 1, proposer=proposer)  # extends genesis with its QC: not a recovery block
    data = VoteData(Epoch(0), Round(1), b1.id, Round(0), world.genesis.id)
    vote = Vote(data, ValidatorIndex(0), b"")
    check.check_records(world.nodes[0], [SignedRecord("vote", Round(1), block=b1, message=vote)])


def test_leader_check_compares_with_the_reference_along_the_chain(world: World) -> None:
    right = world.make_leaders().get_leader(Round(1), world.genesis)
    honest = checker(world)
    _vote_on(honest, world, right)
    assert honest.violations == []
    wrong = checker(world)
    _vote_on(wrong, world, (right + 1) % 4)
    assert [v.split(":")[0] for v in wrong.violations] == ["leader_determinism"]


class OffByOneLeaders(ReputationLeaders):
    """A deliberately broken rule every node shares: every third round goes to the next index."""

    def get_leader(
        self,
        round_: Round,
        tip: Block,
        lookup: BlockLookup | None = None,
    ) -> ValidatorIndex:
        leader = super().get_leader(round_, tip, lookup)
        return ValidatorIndex((leader + 1) % len(self.stakes)) if round_ % 3 == 0 else leader


def test_a_broken_leader_rule_is_caught_in_a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    config = SimConfig(validators=4, rounds=12, seed=3, scheme="insecure-hash")
    sim = Simulation(config)  # its reference keeps the real rule

    def broken(*, prune: bool = True) -> OffByOneLeaders:
        vset = sim.world.vset
        window, exclude = config.reputation_window, config.reputation_exclude_rounds
        return OffByOneLeaders(vset.stakes, vset.epoch, vset.seed, window, exclude, prune=prune)

    monkeypatch.setattr(sim.world, "make_leaders", broken)
    report = sim.run()
    assert all(len(ids) >= 3 for ids in report.committed.values())  # they agree and progress
    assert set(report.violation_counts) == {"leader_determinism"}
