"""``/validators`` on a real node (``zkpov start``, one validator, epochs of ``EPOCH_LENGTH``
blocks) after a delegation changed the staking ledger mid-epoch: the answer is the epoch's
committed set (its commitment is the headers', its voting power unchanged) with the ledger's
live stake beside it, and the next epoch's set carries the delegation as voting power."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_cli_stake import Net, landed, stake, start_one_validator

EPOCH_LENGTH = 60  # 30 s at the minimal preset's 0.5 s blocks: the delegation lands in epoch 0
DELEGATED = 1000


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    out = tmp_path_factory.mktemp("validators") / "net"
    yield from start_one_validator(out, "--accounts", "1", "--epoch-length", str(EPOCH_LENGTH))


def wait_for_epoch(net: Net, epoch: int, seconds: float) -> dict[str, Any]:
    """``/validators`` at the tip once the tip is a block of ``epoch`` (``/status`` names the
    next epoch from R on, while R's suffix blocks still belong to R's epoch)."""
    deadline = time.monotonic() + seconds
    while (answer := net.get("/validators"))["epoch"] < epoch:
        assert time.monotonic() < deadline, f"the node did not reach epoch {epoch}"
        time.sleep(0.5)
    return dict(answer)


def check_committed(net: Net, answer: dict[str, Any]) -> None:
    """The answer's commitment is the one the headers of its epoch carry."""
    header = net.get(f"/block?height={answer['block_height']}")["header"]
    assert header["epoch"] == answer["epoch"]
    assert answer["validator_set_commitment"] == header["validator_set_commitment"]


def test_a_mid_epoch_delegation_moves_the_ledger_stake_not_the_voting_power(net: Net) -> None:
    before = net.get("/validators")
    (held,) = before["validators"]
    assert before["epoch"] == 0 and held["stake"] == held["voting_power"]
    height = landed(stake(net, "delegate", "--key", net.key_file(0), "--validator", "0",
                          "--amount", str(DELEGATED), "--wait", "commit"))  # fmt: skip
    after = net.get("/validators")
    (now,) = after["validators"]
    assert after["epoch"] == 0, "the delegation did not land mid-epoch: lengthen EPOCH_LENGTH"
    assert after["ledger_height"] >= height and now["registry_index"] == 0
    assert now["voting_power"] == held["voting_power"] == after["total_power"]
    assert int(now["stake"]) == int(held["stake"]) + DELEGATED
    assert now["stake"] == net.get("/v1/staking/validator?index=0")["stake"]
    assert after["validator_set_commitment"] == before["validator_set_commitment"]
    check_committed(net, after)
    adopted = wait_for_epoch(net, 1, EPOCH_LENGTH * 2.0)
    assert adopted["epoch"] == 1 and adopted["validators"][0]["voting_power"] == now["stake"]
    assert adopted["validator_set_commitment"] != after["validator_set_commitment"]
    check_committed(net, adopted)
    past = net.get("/validators?epoch=0")
    assert past["validator_set_commitment"] == before["validator_set_commitment"]
    assert past["validators"][0]["stake"] == now["stake"]  # the ledger's, now
    assert past["validators"][0]["registry_index"] == 0
