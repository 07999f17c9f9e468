"""``zkpov stake withdraw`` on a live node with epochs: delegate, undelegate, let the unbonding
period pass (an epoch boundary releases the entry into the owner's ledger balance), withdraw:
the account's balance rises by the payout the ledger records, and the supply stays conserved."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.test_cli_stake import Net, landed, stake, start_one_validator

pytestmark = pytest.mark.slow
EPOCH_LENGTH = 4  # blocks; the minimal preset's unbonding period is one epoch
WAIT_SECONDS = 120.0


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    out = tmp_path_factory.mktemp("withdraw") / "net"
    yield from start_one_validator(out, "--accounts", "1", "--epoch-length", str(EPOCH_LENGTH))


def wait_for_release(net: Net, account: str) -> None:
    """Until the epoch boundary that releases the account's unbonding has passed."""
    deadline = time.monotonic() + WAIT_SECONDS
    while net.get(account)["unbonding"] != "0":
        assert time.monotonic() < deadline, "the unbonding was never released"
        time.sleep(0.5)


def test_delegate_undelegate_wait_withdraw_pays_the_account(net: Net) -> None:
    key, wait, account = net.key_file(0), ("--wait", "commit"), f"/account?index={net.index(0)}"
    landed(stake(net, "delegate", "--key", key, "--validator", "0", "--amount", "1000", *wait))
    landed(stake(net, "undelegate", "--key", key, "--validator", "0", "--amount", "400", *wait))
    assert net.get("/v1/staking/supply")["withdrawn"] == "0"
    wait_for_release(net, account)
    before = int(net.get(account)["balance"])
    landed(stake(net, "withdraw", "--key", key, "--fee", "3", *wait))
    after, supply = net.get(account), net.get("/v1/staking/supply")
    paid = int(supply["withdrawn"])
    assert paid >= 400  # the unbonded 400, plus the delegation's settled rewards
    assert int(after["balance"]) == before + paid - 3
    assert (after["unbonding"], supply["conserved"]) == ("0", True)
    again = stake(net, "withdraw", "--key", key)
    assert again.returncode == 1 and "no matured unbonding" in again.stderr
