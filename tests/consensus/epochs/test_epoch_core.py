"""An epoch's core: a member signs with the context's rules, anyone else only observes."""

from __future__ import annotations

from tests.consensus.epochs.epoch_net import make_epoch_net
from zkpov.chain.state import Transfer
from zkpov.consensus.epochs.context import ValidatorContext
from zkpov.consensus.epochs.epoch_core import build_epoch_core
from zkpov.consensus.epochs.observer import ObserverSafetyRules
from zkpov.consensus.epochs.starts import recover_epoch
from zkpov.consensus.safety import SafetyRules
from zkpov.consensus.validity import NativeReexecution
from zkpov.spec.safety_data import SafetyData
from zkpov.types import Epoch


def test_a_member_signs_and_a_pending_validator_observes() -> None:
    net = make_epoch_net(4, pending=1)
    start = net.first
    recovered = recover_epoch(start, [])
    for me, rules in ((0, SafetyRules), (4, ObserverSafetyRules)):
        inner = NativeReexecution(start.root.id, net.account_state, Transfer.from_bytes)
        context = ValidatorContext(me, net.keys[me][0], inner)
        core, checker = build_epoch_core(context, start, recovered, SafetyData(Epoch(0)), None)
        assert type(core.safety) is rules
        assert core.tree.root == start.root and core.vset == start.vset
        assert core.sealer == checker.seal and checker.ending_state is None
