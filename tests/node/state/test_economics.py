"""The node's staking ledger: every commit moves it in the same LMDB batch as the blocks, a
restart resumes it and its offence index, evidence slashes once, and supply is conserved."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from tests.node.state.test_committed_chain import Builder
from tests.node.test_runtime import free_base_port
from tests.support.chain_tag import get_chain_tag
from zkpov.chain.containers import Delegation, ValidatorStatus
from zkpov.chain.ledger_codec import encode_chain_state
from zkpov.chain.operations import sign_delegate
from zkpov.chain.state import compute_account_index
from zkpov.consensus.actions import Commit
from zkpov.consensus.evidence_index import get_offence
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import create_testnet
from zkpov.node.state.bootstrap import build_chain_start
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.node.state.economics import LEDGER_KEY
from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.codec.payload import encode_payload
from zkpov.spec.evidence import DoubleVote
from zkpov.spec.messages import Vote, VoteData
from zkpov.spec.payload import compute_root_bytes
from zkpov.storage.block_store import StorageError, WriteBatch
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex


@pytest.fixture
def builder(tmp_path: Path) -> Builder:
    layout = create_testnet(tmp_path / "net", 1, accounts=2, base_port=free_base_port(2))
    return Builder(layout, build_chain_start(layout.genesis), layout.genesis.circuit_tree_depth)


def double_vote(builder: Builder, round_: int = 1) -> DoubleVote:
    config = load_node_config(builder.layout.homes[0])
    key = read_key_file(config.get_path(config.validator_key_file), KeyKind.VALIDATOR)
    votes = []
    for fill in (b"\x01", b"\x02"):
        data = VoteData(Epoch(0), Round(round_), BlockId(fill * 32), Round(0), BlockId(bytes(32)))
        signature = builder.start.vset.scheme.sign(key.secret, data.signing_root)
        votes.append(Vote(data, ValidatorIndex(0), signature))
    return DoubleVote(*votes)


def commit_with_evidence(builder: Builder, chain: CommittedChain, items: tuple[bytes, ...]) -> None:
    block = dataclasses.replace(builder.make_child(chain, []), evidence=items)
    chain.on_commit(Commit((block,), builder.start.qc), builder.start.qc)


def test_evidence_slashes_and_the_ledger_survives_a_restart(
    builder: Builder, tmp_path: Path
) -> None:
    chain = builder.open(tmp_path / "db")
    stake = int(builder.start.vset.stakes[0])
    builder.commit(chain, [])
    assert chain.economics[0].minted == chain.ledger.state.minted > 0
    evidence = double_vote(builder)
    builder.commit(chain, [])
    commit_with_evidence(builder, chain, (encode_evidence(evidence),))
    cut = (
        stake
        * chain.ledger.config.slashing_rate.numerator
        // chain.ledger.config.slashing_rate.denominator
    )
    assert chain.economics[0].slashed == {0: cut}
    assert chain.economics[0].supply_conserved
    assert chain.ledger.state.validators[0].status is ValidatorStatus.SLASHED
    assert get_offence(evidence) in chain.ledger.index
    saved = encode_chain_state(chain.ledger.state)
    chain.store.close()
    again = builder.open(tmp_path / "db")
    assert encode_chain_state(again.ledger.state) == saved
    assert get_offence(evidence) in again.ledger.index
    assert again.ledger.state.height == again.height == 3


def test_with_epochs_a_slashed_validator_leaves_the_next_set_and_a_restart_keeps_it(
    tmp_path: Path,
) -> None:
    """Epoch length 2: the second block is the reconfiguration block; the ledger's transition
    there elects a set without the validator its first block slashed, and the ledger's current
    set (what the node's epoch manager and RPC read) follows, across a restart too."""
    layout = create_testnet(tmp_path / "net", 2, accounts=2, epoch_length=2)
    builder = Builder(layout, build_chain_start(layout.genesis), layout.genesis.circuit_tree_depth)
    chain = builder.open(tmp_path / "db")
    assert chain.ledger.epoch_vset is builder.start.vset
    commit_with_evidence(builder, chain, (encode_evidence(double_vote(builder)),))
    assert chain.ledger.epoch_vset.epoch == 0 and len(chain.ledger.epoch_vset) == 2
    builder.commit(chain, [])
    vset = chain.ledger.epoch_vset
    assert (vset.epoch, vset.pubkeys) == (1, (builder.start.vset.pubkeys[1],))
    assert tuple(chain.ledger.state.active) == (1,)
    chain.store.close()
    again = builder.open(tmp_path / "db")
    assert again.ledger.epoch_vset.pubkeys == vset.pubkeys and again.ledger.state.epoch == 1


def test_without_epochs_the_ledger_never_changes_the_set(builder: Builder, tmp_path: Path) -> None:
    chain = builder.open(tmp_path / "db")
    for _ in range(builder.start.vset.config.epoch_length + 1):  # past the unused length
        builder.commit(chain, [])
    assert chain.ledger.state.epoch == 0 and chain.ledger.epoch_vset is builder.start.vset


def test_a_store_with_blocks_but_no_ledger_is_refused(builder: Builder, tmp_path: Path) -> None:
    chain = builder.open(tmp_path / "db")
    builder.commit(chain, [])
    chain.store.write(WriteBatch().delete_state(LEDGER_KEY))
    chain.store.close()
    with pytest.raises(StorageError, match="no staking ledger"):
        builder.open(tmp_path / "db")


def test_a_broken_supply_is_reported_with_an_error(
    builder: Builder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    chain = builder.open(tmp_path / "db")
    chain.ledger.state.balances[b"minted from nothing"] = 1  # a bug elsewhere, say
    with caplog.at_level(logging.ERROR, logger="zkpov.node.state.economics"):
        builder.commit(chain, [])
    assert chain.economics[0].supply_conserved is False
    assert "supply not conserved after block 1" in caplog.text


def test_a_committed_delegate_moves_the_ledger_and_the_accounts_and_survives_a_restart(
    builder: Builder, tmp_path: Path
) -> None:
    chain = builder.open(tmp_path / "db")
    key = read_key_file(builder.layout.account_key_files[0], KeyKind.ACCOUNT)
    index = compute_account_index(key.public, builder.depth)
    tag = get_chain_tag(builder.layout.genesis)
    op = sign_delegate(key.secret, index, 0, 1000, 1, fee=2, chain_tag=tag)
    before = chain.state.get_account(index)
    after = chain.state.copy()
    after.apply_operations([op])
    block = dataclasses.replace(
        builder.make_child(chain, []), payload=encode_payload([op.to_bytes()]),
        state_root=compute_root_bytes(after.root),
    )  # fmt: skip
    chain.on_commit(Commit((block,), builder.start.qc), builder.start.qc)
    ledger = chain.ledger.state
    assert ledger.delegations == {Delegation(key.public, 0): 1000}
    assert ledger.deposited == 1000 and chain.economics[0].supply_conserved
    account = chain.state.get_account(index)
    assert before is not None and account is not None
    assert (account.balance, account.nonce) == (before.balance - 1002, 1)
    saved = encode_chain_state(ledger)
    chain.store.close()
    assert encode_chain_state(builder.open(tmp_path / "db").ledger.state) == saved
