"""Recovery after a restart: the certified chain above the root and the highest QC come back,
each block re-checked; blocks that do not connect are skipped (real BLS)."""

from __future__ import annotations

import dataclasses

from tests.consensus.consensus_helpers import Router, make_core, make_net
from tests.consensus.test_core import drive
from zkpov.consensus.leader import FixedLeaders
from zkpov.consensus.recovery import RecoveryData, apply_recovery
from zkpov.types import Root


def test_a_fresh_core_gets_back_the_certified_chain_and_its_highest_qc() -> None:
    net = make_net(4)
    drive(net, Router(net), until=0.01)
    old = net.cores[0]
    chain = [b for b in old.tree.blocks.values() if b.height > 0]
    fresh = make_core(net, 0, FixedLeaders({}, 4))  # rooted at genesis, as after a wipe
    bogus = dataclasses.replace(chain[-1], state_root=Root(b"\x01" * 32))
    restored = apply_recovery(fresh, RecoveryData((*chain, bogus), old.tree.hqc))
    assert restored == len(chain)
    assert fresh.tree.hqc == old.tree.hqc
    assert not fresh.tree.has(bogus.id)


def test_nothing_to_recover_is_a_no_op() -> None:
    net = make_net(4)
    core = net.cores[0]
    hqc = core.tree.hqc
    assert apply_recovery(core, RecoveryData()) == 0
    assert core.tree.hqc == hqc
