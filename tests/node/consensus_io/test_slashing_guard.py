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
from zkpov.spec.messages import Vote
from zkpov.storage.safety_store import FileSafetyStore
from zkpov.storage.slashing_db import SignedKind, SlashingDB
from zkpov.types import ValidatorIndex

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
