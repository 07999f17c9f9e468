"""Installing a checkpoint: the store then opens as a node's (slashing coverage checked) with the
rebuilt offence index, whose checker refuses a re-included offence, and the safety data starts
past the commit QC's round, as barred."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.node.fast_sync.test_history import (
    Accepting,
    commit,
    double_vote,
    make_committed,
    re_include,
)
from tests.support.signed_chain import SECRETS
from zkpov.chain.state import AccountState
from zkpov.consensus.evidence_check import EvidenceChecker
from zkpov.consensus.evidence_index import get_offence
from zkpov.consensus.factory import ChainStart
from zkpov.crypto import bls
from zkpov.errors import FastSyncError
from zkpov.node.fast_sync.install import compute_installed_safety, install_checkpoint
from zkpov.node.fast_sync.server import FastSyncServer
from zkpov.node.state.stores import create_slashing_db, open_stores
from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.payload import InvalidBlock
from zkpov.spec.safety_data import SafetyData
from zkpov.storage.slashing_coverage import get_covered_round
from zkpov.storage.slashing_db import SignedKind
from zkpov.types import Epoch, Round

GENESIS_HASH = bytes(32)
PUBKEY = bls.sk_to_pk(SECRETS[3])


def test_the_installed_store_opens_with_the_offences_and_safety_past_the_commit_qc(
    tmp_path: Path,
) -> None:
    offence = double_vote(2)
    signed = make_committed(7, {3: (encode_evidence(offence),)})
    replayed = commit(signed)
    checkpoint = FastSyncServer(replayed, lambda: (5, {})).get_checkpoint()
    assert checkpoint is not None and checkpoint.height == 5
    create_slashing_db(tmp_path, GENESIS_HASH)
    ledger = dict(replayed.ledger.encodings)[5]
    install_checkpoint(tmp_path, checkpoint, [], ledger, (), [get_offence(offence)], PUBKEY,
                       GENESIS_HASH)  # fmt: skip
    start = ChainStart(signed.vset, signed.blocks[0], signed.qcs[0])
    stores = open_stores(tmp_path, None, start, (AccountState(8), GENESIS_HASH), PUBKEY)
    try:
        assert stores.chain.height == stores.chain.base == 5
        assert stores.chain.ledger.index.offences == replayed.ledger.index.offences
        assert stores.chain.ledger.index.offences == {get_offence(offence)}
        checker = EvidenceChecker(Accepting(), signed.vset, stores.chain.ledger.index)
        with pytest.raises(InvalidBlock, match="already included"):
            checker.check_block(re_include(signed.blocks[7], offence), signed.blocks[7])
        safety = stores.safety.load()
        past = Round(checkpoint.commit_qc.round + 1)  # the commit QC certifies block 6, round 6
        assert safety is not None and past == 7
        assert (safety.last_voted_round, safety.highest_timeout_round) == (past, past)
        assert safety.last_proposed_round == past and safety.one_chain_round == past - 1
        assert get_covered_round(stores.slashing, PUBKEY) == (0, past)
        for kind in SignedKind:
            assert stores.slashing.get_low_watermark(PUBKEY, kind) == (0, past)
    finally:
        stores.store.close()
        stores.slashing.close()
    with pytest.raises(FastSyncError, match="already holds a chain"):
        install_checkpoint(tmp_path, checkpoint, [], ledger, (), [], PUBKEY, GENESIS_HASH)


def test_installed_safety_only_ever_raises_what_was_stored() -> None:
    signed = make_committed(7, {})
    qc = signed.qcs[6]  # round 6: the installed marks are round 7
    fresh = compute_installed_safety(None, qc)
    assert (fresh.epoch, fresh.last_voted_round, fresh.last_vote) == (0, 7, None)
    ahead = SafetyData(Epoch(0), last_voted_round=Round(9), highest_timeout_round=Round(8))
    raised = compute_installed_safety(ahead, qc)
    assert (raised.last_voted_round, raised.highest_timeout_round) == (9, 8)
    assert raised.last_proposed_round == 7
    later = SafetyData(Epoch(2))
    assert compute_installed_safety(later, qc) is later
