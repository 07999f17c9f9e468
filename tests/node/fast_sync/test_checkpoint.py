"""Checkpoints: found on a committed chain, carried as JSON, verified against the genesis set;
one refusal per bad answer (a malicious server)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from tests.support.signed_chain import SECRETS, SignedChain, make_chain, sign_qc
from zkpov.chain.state import AccountState, sign_transfer
from zkpov.crypto import bls, schnorr, snark
from zkpov.errors import FastSyncAnswerError, FastSyncCheckpointError
from zkpov.node.fast_sync.checkpoint import Checkpoint, find_checkpoint
from zkpov.node.fast_sync.verify import verify_checkpoint
from zkpov.node.fast_sync.wire import decode_checkpoint, encode_checkpoint
from zkpov.spec.codec.payload import encode_payload
from zkpov.spec.payload import compute_root_bytes
from zkpov.types import Epoch, Round


def no_key() -> snark.VerifyingKey:
    raise AssertionError("no proof to check: the key is not needed")


def find(chain: SignedChain, top: int, proofs: dict[int, bytes] | None = None) -> Checkpoint:
    tip = len(chain.blocks) - 1
    root = chain.blocks[tip], chain.qcs[tip]

    def get_block(height: int) -> Any:
        return chain.blocks[height] if 0 <= height <= tip else None

    found = find_checkpoint(get_block, root, top, proofs or {})
    assert found is not None
    return found


def over_json(checkpoint: Checkpoint, **changes: Any) -> tuple[int, Checkpoint]:
    doc = encode_checkpoint(checkpoint)
    doc.update(changes)
    return decode_checkpoint(json.loads(json.dumps(doc)))


def test_the_checkpoint_is_the_highest_directly_committed_block() -> None:
    chain = make_chain(6)
    at_top = find(chain, 5)
    assert at_top.height == 5 and at_top.commit_qc == chain.qcs[6]  # the root QC
    lower = find(chain, 3)
    assert lower.height == 3 and lower.commit_qc == chain.blocks[5].qc
    assert [b.height for b in lower.blocks] == [0, 1, 2, 3, 4]


def test_an_honest_checkpoint_verifies_after_a_json_round_trip() -> None:
    chain = make_chain(6)
    claimed, checkpoint = over_json(find(chain, 5))
    assert checkpoint == find(chain, 5)
    verify_checkpoint(claimed, checkpoint, chain.vset, no_key)


def test_a_block_without_a_direct_two_chain_is_skipped() -> None:
    chain = make_chain(6)
    late = replace(chain.blocks[5], round=Round(9))  # block 4 is not directly committed
    chain.blocks[5] = late
    chain.blocks[6] = replace(chain.blocks[6], parent_id=late.id, qc=sign_qc(late, 3, range(3)))
    chain.qcs[6] = sign_qc(chain.blocks[6], 9, range(3))
    assert find(chain, 5).height == 3


def test_a_block_whose_commit_qc_is_of_another_epoch_is_skipped() -> None:
    """An epoch's first block sits on a (synthetic) root QC of the new epoch: that QC cannot
    commit the block below as a checkpoint."""
    chain = make_chain(6)
    qc = chain.blocks[6].qc
    next_epoch = replace(qc, vote_data=replace(qc.vote_data, epoch=Epoch(1)))
    chain.blocks[6] = replace(chain.blocks[6], qc=next_epoch)
    assert find(chain, 4).height == 3


def refused(chain: SignedChain, claimed: int, checkpoint: Checkpoint, match: str) -> None:
    with pytest.raises(FastSyncCheckpointError, match=match):
        verify_checkpoint(claimed, checkpoint, chain.vset, no_key)


def test_a_wrong_height_is_refused() -> None:
    chain = make_chain(6)
    claimed, checkpoint = over_json(find(chain, 5), height=6)
    refused(chain, claimed, checkpoint, "claims height 6")


def test_a_qc_with_a_bad_signature_is_refused() -> None:
    chain = make_chain(6)
    checkpoint = find(chain, 5)
    bad = replace(checkpoint.commit_qc, signature=bls.sign(SECRETS[0], b"something else"))
    refused(chain, 5, replace(checkpoint, commit_qc=bad), "invalid aggregate signature")


def test_a_qc_from_non_validators_is_refused() -> None:
    chain = make_chain(6)
    strangers = tuple(bls.keygen(bytes([i + 50]) * 32) for i in range(4))
    forged = sign_qc(chain.blocks[6], 5, range(4), strangers)
    refused(chain, 5, replace(find(chain, 5), commit_qc=forged), "invalid aggregate signature")


def test_a_qc_below_two_thirds_of_the_stake_is_refused() -> None:
    chain = make_chain(6)
    weak = sign_qc(chain.blocks[6], 5, range(2))
    refused(chain, 5, replace(find(chain, 5), commit_qc=weak), "lacks a quorum")


def test_a_qc_for_another_block_is_refused() -> None:
    chain = make_chain(6)
    refused(chain, 5, replace(find(chain, 5), commit_qc=chain.qcs[5]), "does not certify")


def test_blocks_that_do_not_link_are_refused() -> None:
    chain = make_chain(6)
    checkpoint = find(chain, 5)
    blocks = list(checkpoint.blocks)
    blocks[1] = replace(blocks[1], state_root=bytes([1]) * 32)
    refused(chain, 5, replace(checkpoint, blocks=tuple(blocks)), "does not link")


def test_a_child_whose_round_does_not_follow_is_refused() -> None:
    chain = make_chain(6)
    checkpoint = find(chain, 5)
    child = replace(checkpoint.blocks[-1], round=Round(7))
    cheat = replace(checkpoint, blocks=(*checkpoint.blocks[:-1], child),
                    commit_qc=sign_qc(child, 5, range(3)))  # fmt: skip
    refused(chain, 5, cheat, "round does not follow")


def test_an_epoch_change_chain_that_does_not_decode_is_refused() -> None:
    chain = make_chain(6)
    refused(chain, 5, replace(find(chain, 5), epoch_changes=(b"\x01",)), "does not decode")


def test_an_oversized_or_malformed_checkpoint_is_refused_before_decoding() -> None:
    chain = make_chain(6)
    doc = encode_checkpoint(find(chain, 5))
    with pytest.raises(FastSyncAnswerError, match="at most 18"):
        decode_checkpoint({**doc, "blocks": doc["blocks"] * 4})
    with pytest.raises(FastSyncAnswerError, match="exactly"):
        decode_checkpoint({**doc, "extra": 1})
    with pytest.raises(FastSyncAnswerError, match="not lowercase hex"):
        decode_checkpoint({**doc, "commit_qc": "zz"})
    with pytest.raises(FastSyncAnswerError, match="expected a QuorumCert"):
        decode_checkpoint({**doc, "commit_qc": doc["blocks"][0]})


@pytest.fixture(scope="module")
def proven() -> tuple[SignedChain, snark.VerifyingKey, bytes, bytes]:
    """Block 2 carries a transfer proven on a depth-2 circuit; block 3 is the checkpoint."""
    pk, vk = snark.insecure_setup(snark.CircuitConfig(batch_size=1, tree_depth=2), b"t" * 32)
    state, keys = AccountState(2), [schnorr.generate_keypair() for _ in range(2)]
    state.credit(0, keys[0].public_key, 100)
    state.credit(1, keys[1].public_key, 0)
    tx = sign_transfer(keys[0].secret_key, 0, 1, keys[1].public_key, 5, 1)
    proof, inputs = snark.prove(pk, state, [tx])
    other, _ = snark.prove(
        pk, state, [sign_transfer(keys[0].secret_key, 0, 1, keys[1].public_key, 6, 1)]
    )
    post = compute_root_bytes(inputs.post_root)
    chain = make_chain(4, compute_root_bytes(inputs.pre_root), {2: encode_payload([tx.to_bytes()])},
                       {2: post, 3: post, 4: post})  # fmt: skip
    return chain, vk, proof, other


def test_a_valid_proof_of_a_block_in_the_run_verifies(proven: Any) -> None:
    chain, vk, proof, _ = proven
    claimed, checkpoint = over_json(find(chain, 3, {2: proof}))
    assert checkpoint.proofs == ((2, proof),)
    verify_checkpoint(claimed, checkpoint, chain.vset, lambda: vk)


def test_a_proof_is_checked_for_this_networks_chain_tag(proven: Any) -> None:
    # The proof was made for chain tag 0: another network's commitment differs, so it fails.
    chain, vk, proof, _ = proven
    with pytest.raises(FastSyncCheckpointError, match="do not verify"):
        verify_checkpoint(3, find(chain, 3, {2: proof}), chain.vset, lambda: vk, chain_tag=1)


def test_a_wrong_proof_is_refused(proven: Any) -> None:
    chain, vk, _, other = proven
    with pytest.raises(FastSyncCheckpointError, match="do not verify"):
        verify_checkpoint(3, find(chain, 3, {2: other}), chain.vset, lambda: vk)


def test_a_missing_or_undecodable_proof_is_refused(proven: Any) -> None:
    chain, vk, _, _ = proven
    with pytest.raises(FastSyncCheckpointError, match=r"missing at \[2\]"):
        verify_checkpoint(3, find(chain, 3), chain.vset, lambda: vk)
    with pytest.raises(FastSyncCheckpointError, match="does not decode"):
        verify_checkpoint(3, find(chain, 3, {2: b"\x00" * 192}), chain.vset, lambda: vk)
