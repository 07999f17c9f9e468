"""Four real cores on the loopback hub with slashing protection: every vote a validator signs,
including those it sends to itself as the next leader, is recorded in its slashing DB."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.node.consensus_io.test_driver import Recorder, make_net
from tests.support.checkers import build_native_checker
from tests.support.loopback import LoopbackHub, run_until_committed
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.factory import build_core
from zkpov.node.consensus_io.driver import ConsensusDriver, DriverHooks
from zkpov.node.consensus_io.slashing_guard import SlashingGuard
from zkpov.node.state.bootstrap import build_chain_start
from zkpov.node.state.genesis import compute_genesis_hash
from zkpov.spec.messages import Vote, VoteData
from zkpov.storage.safety_store import FileSafetyStore
from zkpov.storage.slashing_db import SignedKind, SlashingDB
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex

# Until the core returns SendTo(own index) for its own vote (issue 9), it feeds that vote to
# itself inside _vote and the driver never sees it: this test must then fail.


def record_signed_votes(core: ConsensusCore) -> list[Vote]:
    signed: list[Vote] = []
    sign_vote = core.safety.sign_vote

    def recording(*args: object, **kwargs: object) -> tuple[Vote, bool]:
        vote, is_new = sign_vote(*args, **kwargs)  # type: ignore[arg-type]
        signed.append(vote)
        return vote, is_new

    core.safety.sign_vote = recording  # type: ignore[method-assign]
    return signed


async def run_guarded(tmp_path: Path, n: int, until_height: int) -> None:
    genesis, sks = make_net(tmp_path, n)
    start, hub = build_chain_start(genesis), LoopbackHub()
    recorders, drivers, dbs, signed = [Recorder() for _ in range(n)], [], [], []
    for i in range(n):
        index, pubkey = ValidatorIndex(i), bytes(start.vset.pubkeys[i])
        core = build_core(start, index, sks[i], None, build_native_checker(start, genesis))
        signed.append(record_signed_votes(core))
        dbs.append(SlashingDB(tmp_path / f"slashing{i}.sqlite", compute_genesis_hash(genesis)))
        guard = SlashingGuard(dbs[i], index, pubkey)
        hooks = DriverHooks(recorders[i].on_commit, before_send=guard)
        store = FileSafetyStore(tmp_path / f"safety{i}.bin")
        drivers.append(ConsensusDriver(core, hub.outbox_for(index), store, hooks))
        hub.attach(index, drivers[i])
    await run_until_committed(
        drivers, lambda: [len(r.committed) for r in recorders], until_height, 60
    )
    for i, db in enumerate(dbs):
        recorded = {
            r.signing_root for r in db.get_records(bytes(start.vset.pubkeys[i]), SignedKind.VOTE)
        }
        missing = [v.round for v in signed[i] if v.vote_data.signing_root not in recorded]
        assert signed[i] and not missing, f"validator {i}: no record for rounds {missing}"
        db.close()
    assert sum(d.stats.self_delivered for d in drivers) > 0, "no own vote went through the driver"


def test_every_vote_a_validator_signs_has_a_slashing_record(tmp_path: Path) -> None:
    asyncio.run(run_guarded(tmp_path, 4, 5))


def _vote(sk: bytes, scheme: object, epoch: int, voter: int, fill: bytes) -> Vote:
    data = VoteData(Epoch(epoch), Round(30), BlockId(fill * 32), Round(29), BlockId(bytes(32)))
    return Vote(data, ValidatorIndex(voter), scheme.sign(sk, data.signing_root))  # type: ignore[attr-defined]


def test_under_epochs_own_votes_are_recognised_by_their_epochs_index(tmp_path: Path) -> None:
    """Registry validator 2 signs as consensus index 2 in epoch 0 and, after validator 1 left,
    as index 1 in epoch 1: the guard must record (and refuse a conflicting) vote by index 1 of
    epoch 1. A fixed index (2), as a node without epochs has, would let the conflict out."""
    genesis, sks = make_net(tmp_path, 3)
    start = build_chain_start(genesis)
    pubkey, scheme = bytes(start.vset.pubkeys[2]), start.vset.scheme
    own = {Epoch(0): ValidatorIndex(2), Epoch(1): ValidatorIndex(1)}
    db = SlashingDB(tmp_path / "slashing.sqlite", compute_genesis_hash(genesis))
    guard = SlashingGuard(db, own.get, pubkey)
    assert guard(_vote(sks[2], scheme, 1, 1, b"\x01"))
    assert not guard(_vote(sks[2], scheme, 1, 1, b"\x02"))  # a double vote of epoch 1: refused
    assert guard(_vote(sks[2], scheme, 0, 2, b"\x02"))  # same round, other epoch: allowed
    fixed = SlashingGuard(
        SlashingDB(tmp_path / "fixed.sqlite", compute_genesis_hash(genesis)), 2, pubkey
    )
    assert fixed(_vote(sks[2], scheme, 1, 1, b"\x01")) and fixed(
        _vote(sks[2], scheme, 1, 1, b"\x02")
    )
    db.close()
