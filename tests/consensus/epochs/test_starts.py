"""Recovering the current epoch from a committed log: the same sets, roots and chain state the
running validator reached, whatever the height it stopped at."""

from __future__ import annotations

from tests.consensus.epochs.epoch_net import CONFIG, EpochRouter, drive, make_epoch_net
from zkpov.consensus.epochs.starts import recover_epoch

L = CONFIG.epoch_length


def test_replaying_the_log_reaches_the_running_validators_epoch() -> None:
    net = make_epoch_net(4, pending=1, exiting=(3,))
    drive(net, EpochRouter(net), until=0.04)
    manager, log = net.managers[0], net.logs[0]
    recovered = recover_epoch(net.first, log)
    assert recovered.start.set == manager.epoch_start.set
    assert recovered.start.root.id == manager.epoch_start.root.id
    assert recovered.start.root_qc == manager.epoch_start.root_qc
    assert recovered.state.height == log[-1].height
    assert [b.height for b in recovered.history] == [
        b.height for b in log if b.height > recovered.start.root.height
    ]


def test_a_log_cut_anywhere_recovers_the_epoch_of_its_last_block() -> None:
    net = make_epoch_net(4)
    drive(net, EpochRouter(net), until=0.03)
    log = net.logs[1]
    for cut in range(1, len(log) + 1):
        recovered = recover_epoch(net.first, log[:cut])
        assert recovered.start.vset.epoch == cut // L  # the reconfiguration block ends its epoch
        assert recovered.start.root.height == (cut // L) * L
