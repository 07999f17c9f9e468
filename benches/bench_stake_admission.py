"""Mempool admission of staking ops against transfers, and what a voter's per-block state copy
costs once the ledger holds delegations, in one process (the baseline first).

    python benches/bench_stake_admission.py [--ops 200] [--delegations 1000] [--repeat 5]

- ``admit``: ``Mempool.add`` of ``--ops`` valid transfers, then of as many valid delegates (one
  sender each: one pending staking op per sender), per op;
- ``refuse``: junk that fails late: transfers with a bad signature, against delegates to a
  validator that does not exist (refused by the ledger rule before any signature work);
- ``copy``: ``AccountState.copy`` against ``BlockState.copy`` (accounts plus a ledger holding
  ``--delegations`` delegations), what ``NativeReexecution`` pays per checked block.

Prints one JSON line with the medians, the ratios and the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable

from timing import median_seconds

from zkpov.chain.block_state import BlockState, LedgerRules
from zkpov.chain.containers import ChainState, Delegation, Owner
from zkpov.chain.operations import sign_delegate
from zkpov.chain.state import AccountState, sign_transfer
from zkpov.chain.transition import compute_genesis_state
from zkpov.config import ConsensusConfig
from zkpov.crypto import bls, schnorr
from zkpov.node.state.mempool import Mempool
from zkpov.node.state.stake_admission import StakeRules
from zkpov.spec.signing import InsecureHashScheme
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BLSPubkey, Epoch, Stake

CONFIG = ConsensusConfig()
DEPTH = 16


def build(ops: int) -> tuple[AccountState, ChainState, list[schnorr.Keypair]]:
    keys = [schnorr.generate_keypair() for _ in range(ops)]
    accounts = AccountState(DEPTH)
    for i, key in enumerate(keys):
        accounts.credit(i + 1, key.public_key, 10**9)
    pks = [BLSPubkey(bls.sk_to_pk(bls.generate_secret_key())) for _ in range(4)]
    ledger = compute_genesis_state(pks, [10**15] * 4, list(pks), bytes(32))
    return accounts, ledger, keys


def per_op(make: Callable[[], Mempool], txs: list[bytes], repeat: int) -> float:
    def run() -> None:
        pool = make()
        for tx in txs:
            pool.add(tx)

    return round(median_seconds(run, repeat) / len(txs) * 1e6, 1)


def time_admission(ops: int, repeat: int) -> dict[str, float]:
    accounts, ledger, keys = build(ops)
    rules = StakeRules(lambda: ledger, CONFIG)

    def make() -> Mempool:
        return Mempool(lambda: accounts, stakes=rules)

    other = schnorr.generate_keypair()
    pay = [sign_transfer(k.secret_key, i + 1, 9999, other.public_key, 5, 1, 1).to_bytes()
           for i, k in enumerate(keys)]  # fmt: skip
    bond = [sign_delegate(k.secret_key, i + 1, 0, 5, 1, 1).to_bytes() for i, k in enumerate(keys)]
    forged = [tx[:-1] + bytes([tx[-1] ^ 1]) for tx in pay]
    nowhere = [
        sign_delegate(k.secret_key, i + 1, 7, 5, 1, 1).to_bytes() for i, k in enumerate(keys)
    ]
    return {
        "admit_transfer_us": per_op(make, pay, repeat),
        "admit_delegate_us": per_op(make, bond, repeat),
        "refuse_bad_signature_transfer_us": per_op(make, forged, repeat),
        "refuse_ledger_rule_delegate_us": per_op(make, nowhere, repeat),
    }


def time_copy(delegations: int, repeat: int) -> dict[str, float]:
    accounts, ledger, _ = build(64)
    for n in range(delegations):
        owner: Owner = n.to_bytes(32, "big")
        ledger.delegations[Delegation(owner, n % 4)] = Stake(10)
    scheme = InsecureHashScheme()
    keys = tuple(pk for _, pk in (scheme.derive_keypair(b"b%d" % i) for i in range(4)))
    vset = ValidatorSet(Epoch(0), keys, tuple(Stake(10**15) for _ in keys), scheme, CONFIG)
    state = BlockState(accounts, ledger, LedgerRules(CONFIG, vset))
    return {
        "copy_accounts_ms": round(median_seconds(accounts.copy, repeat) * 1e3, 3),
        "copy_block_state_ms": round(median_seconds(state.copy, repeat) * 1e3, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=200)
    parser.add_argument("--delegations", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    admission = time_admission(args.ops, args.repeat)
    copies = time_copy(args.delegations, args.repeat)
    result = {
        "config": vars(args),
        **admission,
        **copies,
        "admit_ratio": round(admission["admit_delegate_us"] / admission["admit_transfer_us"], 2),
        "refuse_ratio": round(
            admission["refuse_ledger_rule_delegate_us"]
            / admission["refuse_bad_signature_transfer_us"],
            3,
        ),
        "copy_ratio": round(copies["copy_block_state_ms"] / copies["copy_accounts_ms"], 2),
        "load_avg": os.getloadavg(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
