"""The light client follows real epoch changes (an epoch run with real BLS keys, a validator
joining and one leaving at the first boundary) from the genesis set, through their JSON form,
and refuses each forgery with a typed error naming the cause."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest
from aiohttp.test_utils import TestServer

from tests.consensus.epochs.epoch_net import (
    CONFIG,
    STAKE,
    EpochNet,
    EpochRouter,
    drive,
    make_epoch_net,
)
from tests.node.rpc.fake_view import FakeNode
from tests.node.rpc.helpers import get_json
from zkpov.consensus.epochs.proof import EpochChangeProof
from zkpov.crypto import schnorr
from zkpov.errors import (
    BadAggregateSignatureError,
    EpochChangeLimitError,
    ForgedValidatorSetError,
    InsufficientQuorumError,
    NotCommittedError,
    RpcAnswerError,
    StaleCheckpointError,
    WrongEpochError,
    WrongValidatorSetError,
)
from zkpov.light import epochs as epochs_module
from zkpov.light.client import check_claimed_age
from zkpov.light.epochs import (
    MAX_EPOCH_CHANGES,
    EpochTrust,
    follow_epoch_updates,
    verify_epoch_update,
)
from zkpov.light.fetch import LightRpc
from zkpov.light.sync import LightChain
from zkpov.light.trust import Checkpoint, build_trusted_set
from zkpov.node.rpc import epoch_changes as epoch_changes_module
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.epoch_changes import (
    EpochUpdate,
    decode_epoch_updates,
    encode_epoch_updates,
    get_epoch_update,
)
from zkpov.node.rpc.view import ValidatorsRecord
from zkpov.spec.encoding import compute_bitfield
from zkpov.types import Epoch, Height, Stake


def run_net(members: int, **kwargs: object) -> EpochNet:
    net = make_epoch_net(members, **kwargs)  # type: ignore[arg-type]
    drive(net, EpochRouter(net), until=0.06)
    assert len(net.managers[0].endings) >= 2
    return net


@pytest.fixture(scope="module")
def net() -> EpochNet:
    return run_net(4, pending=1, exiting=(3,))


def genesis_trust(net: EpochNet, members: int = 4) -> EpochTrust:
    keys = tuple(pk for _, pk in net.keys[:members])
    return EpochTrust(build_trusted_set(0, keys, (STAKE,) * members, CONFIG), 0)


def served(net: EpochNet) -> list[EpochUpdate]:
    """The endings as a light client reads them: through their JSON form."""
    updates = [get_epoch_update(e) for e in net.managers[0].endings]
    doc = json.loads(json.dumps(encode_epoch_updates(0, len(updates), updates)))
    return list(decode_epoch_updates(doc).updates)


def test_every_real_epoch_change_is_followed_from_the_genesis_set(net: EpochNet) -> None:
    endings = net.managers[0].endings
    followed = follow_epoch_updates(genesis_trust(net), served(net), CONFIG)
    last = followed[-1]
    assert last.trusted.epoch == len(endings)
    assert last.trusted.commitment == endings[-1].block.next_validator_set_commitment
    assert last.start_height == endings[-1].block.height
    first_set = followed[0].trusted.pubkeys
    assert net.keys[4][1] in first_set and net.keys[3][1] not in first_set  # joined, left


def test_a_forged_next_set_is_refused_and_would_be_adopted_without_the_check(
    net: EpochNet, monkeypatch: pytest.MonkeyPatch
) -> None:
    update = served(net)[0]
    richer = dataclasses.replace(update, next_stakes=(Stake(10**9), *update.next_stakes[1:]))
    intruder = net.keys[3][1]  # the validator that left, put back in
    swapped = dataclasses.replace(update, next_pubkeys=(intruder, *update.next_pubkeys[1:]))
    for forged in (richer, swapped):
        with pytest.raises(ForgedValidatorSetError, match="does not hash"):
            verify_epoch_update(genesis_trust(net), forged, CONFIG)
    monkeypatch.setattr(epochs_module, "_check_next_commitment", lambda *_: None)
    adopted = verify_epoch_update(genesis_trust(net), richer, CONFIG).trusted
    assert adopted.stakes[0] == 10**9  # the attack bites: the forger's stake would be trusted


def test_a_qc_of_exactly_two_thirds_of_the_stake_is_refused() -> None:
    """Three equal validators: the ending's QC re-signed, with real keys, by two of them."""
    small = run_net(3)
    update = served(small)[0]
    data = update.commit_qc.vote_data
    sig = small.scheme.aggregate([small.scheme.sign(small.keys[i][0], data.signing_root)
                                  for i in (0, 1)])  # fmt: skip
    two = dataclasses.replace(update.commit_qc, signers=compute_bitfield([0, 1], 3), signature=sig)
    verify_epoch_update(genesis_trust(small, 3), update, CONFIG)  # the real QC: accepted
    with pytest.raises(InsufficientQuorumError, match="exactly 2/3"):
        verify_epoch_update(
            genesis_trust(small, 3), dataclasses.replace(update, commit_qc=two), CONFIG
        )


def test_an_update_of_another_epoch_is_refused(net: EpochNet) -> None:
    first, second = served(net)[:2]
    with pytest.raises(WrongEpochError, match="ends epoch 1; trusted: 0"):
        follow_epoch_updates(genesis_trust(net), [second], CONFIG)
    qc = first.commit_qc
    later = dataclasses.replace(qc, vote_data=dataclasses.replace(qc.vote_data, epoch=Epoch(1)))
    with pytest.raises(WrongEpochError, match="QC of epoch 1"):
        verify_epoch_update(genesis_trust(net), dataclasses.replace(first, commit_qc=later), CONFIG)
    moved = EpochTrust(genesis_trust(net).trusted, 1)
    with pytest.raises(WrongEpochError, match="ends at height"):
        verify_epoch_update(moved, first, CONFIG)


def test_a_header_naming_no_next_set_or_a_broken_commit_is_refused(net: EpochNet) -> None:
    update = served(net)[0]
    bare = dataclasses.replace(update.header, next_validator_set_commitment=b"")
    with pytest.raises(WrongValidatorSetError, match="names no next set"):
        verify_epoch_update(genesis_trust(net), dataclasses.replace(update, header=bare), CONFIG)
    stray = dataclasses.replace(update.header, height=Height(update.header.height + 1))
    with pytest.raises(NotCommittedError, match="does not extend"):
        verify_epoch_update(
            genesis_trust(net), dataclasses.replace(update, suffix=(stray,)), CONFIG
        )
    sig = update.commit_qc.signature
    flipped = dataclasses.replace(update.commit_qc, signature=sig[:-1] + bytes([sig[-1] ^ 1]))
    with pytest.raises(BadAggregateSignatureError):
        verify_epoch_update(
            genesis_trust(net), dataclasses.replace(update, commit_qc=flipped), CONFIG
        )


def test_the_number_of_updates_is_capped_before_any_is_checked(net: EpochNet) -> None:
    update = served(net)[0]
    with pytest.raises(EpochChangeLimitError, match=f"at most {MAX_EPOCH_CHANGES}"):
        follow_epoch_updates(genesis_trust(net), [update] * (MAX_EPOCH_CHANGES + 1), CONFIG)


def _follow_over_rpc(
    net: EpochNet, proof: EpochChangeProof, view: FakeNode | None = None
) -> LightChain:
    """A light chain from the genesis trust that followed ``proof`` served by ``view``'s RPC
    (a plain fake node when None)."""
    view = FakeNode() if view is None else view
    view.epoch_proof = proof

    async def main() -> LightChain:
        async with TestServer(create_app(view)) as server:
            rpc = LightRpc(str(server.make_url("")).rstrip("/"))
            chain = LightChain([rpc], genesis_trust(net), view.tree[0].header, CONFIG)
            try:
                await chain.follow_epochs()
            finally:
                await rpc.close()
            return chain

    return asyncio.run(main())


def test_the_light_chain_follows_what_a_node_serves(net: EpochNet) -> None:
    endings = net.managers[0].endings
    chain = _follow_over_rpc(net, EpochChangeProof(tuple(endings)))
    assert chain.trusted.epoch == chain.epoch_changes == len(endings)
    assert sorted(chain.sets) == list(range(len(endings) + 1))
    forged_set = dataclasses.replace(
        endings[1].next_set, stakes=(Stake(1), *endings[1].next_set.stakes[1:])
    )
    forged = (endings[0], dataclasses.replace(endings[1], next_set=forged_set))
    with pytest.raises(ForgedValidatorSetError, match="http://"):
        _follow_over_rpc(net, EpochChangeProof(forged))
    with pytest.raises(RpcAnswerError, match="epochs"):
        _follow_over_rpc(net, EpochChangeProof((endings[1], endings[0])))


class LaterNode(FakeNode):
    """A node that says its chain is in epoch ``epoch``."""

    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch

    def get_validators(self, height: Height | None) -> ValidatorsRecord | None:
        record = super().get_validators(height)
        return None if record is None else dataclasses.replace(record, epoch=Epoch(self.epoch))


def _check_claim(view: FakeNode, checkpoint: Checkpoint, period: int) -> None:
    async def main() -> None:
        async with TestServer(create_app(view)) as server:
            rpc = LightRpc(str(server.make_url("")).rstrip("/"))
            try:
                await check_claimed_age(rpc, checkpoint, period)
            finally:
                await rpc.close()

    asyncio.run(main())


def test_a_checkpoint_the_node_says_is_stale_is_refused_before_anything_is_verified() -> None:
    checkpoint = Checkpoint(1, bytes(32), bytes(32))
    _check_claim(LaterNode(5), checkpoint, 4)  # 4 epochs old: within the period
    with pytest.raises(StaleCheckpointError, match="4 epochs old"):
        _check_claim(LaterNode(5), checkpoint, 3)


def test_bootstrap_serves_an_earlier_epoch_from_its_ending(net: EpochNet) -> None:
    view = LaterNode(2)
    view.epoch_proof = EpochChangeProof(tuple(net.managers[0].endings))
    first = net.managers[0].endings[0]
    status, doc = get_json("/v1/light/bootstrap?epoch=1", view)
    assert status == 200 and doc["epoch"] == 1
    assert doc["validator_set_commitment"] == first.block.next_validator_set_commitment.hex()
    assert [v["pubkey"] for v in doc["validators"]] == [
        bytes(k).hex() for k in first.next_set.pubkeys
    ]
    assert get_json("/v1/light/bootstrap?epoch=2", view)[1]["epoch"] == 2  # the current set
    assert get_json("/v1/light/bootstrap?epoch=0", view)[0] == 404  # genesis: no ending before


def test_an_ending_served_as_a_tip_is_final_only_once_followed(net: EpochNet) -> None:
    endings = net.managers[0].endings
    first = endings[0]
    chain = _follow_over_rpc(net, EpochChangeProof(tuple(endings)))
    chain._verify(first.block.header, first.commit_qc)  # the epoch-0 set, kept after following
    fresh = LightChain([], genesis_trust(net), first.block.header, CONFIG)
    with pytest.raises(WrongValidatorSetError, match="names a next set"):
        fresh._verify(first.block.header, first.commit_qc)
    with pytest.raises(WrongEpochError, match="header of epoch 1"):
        fresh._verify(endings[1].block.header, endings[1].commit_qc)


def _follow_two(first: EpochChangeProof, second: EpochChangeProof, net: EpochNet) -> LightChain:
    views = [FakeNode(), FakeNode()]
    views[0].epoch_proof, views[1].epoch_proof = first, second

    async def main() -> LightChain:
        async with TestServer(create_app(views[0])) as one, TestServer(create_app(views[1])) as two:
            rpcs = [LightRpc(str(s.make_url("")).rstrip("/")) for s in (one, two)]
            chain = LightChain(rpcs, genesis_trust(net), views[0].tree[0].header, CONFIG)
            try:
                await chain.follow_epochs()
            finally:
                for rpc in rpcs:
                    await rpc.close()
            return chain

    return asyncio.run(main())


def test_two_ends_of_one_epoch_signed_by_its_set_are_kept_as_evidence(net: EpochNet) -> None:
    """A second run of the same validators from another genesis state: its epoch 0 ends in
    another block, committed by the same set (every validator signed both)."""
    other = run_net(
        4, pending=1, exiting=(3,), funded=((1, schnorr.generate_keypair().public_key, 5),)
    )
    ours, theirs = net.managers[0].endings, other.managers[0].endings
    assert ours[0].block.id != theirs[0].block.id
    chain = _follow_two(EpochChangeProof(tuple(ours)), EpochChangeProof(tuple(theirs)), net)
    assert chain.trusted.epoch == len(ours)  # the first witness's chain is followed
    (conflict,) = chain.followed.conflicts
    assert conflict.first.header.id == ours[0].block.id
    assert conflict.second.header.id == theirs[0].block.id
    assert conflict.second.qc == theirs[0].commit_qc and conflict.first.rpc != conflict.second.rpc
    same = _follow_two(EpochChangeProof(tuple(ours)), EpochChangeProof(tuple(ours[:2])), net)
    assert same.followed.conflicts == [] and same.trusted.epoch == len(ours)


def test_answers_cut_by_size_are_followed_across_requests(
    net: EpochNet, monkeypatch: pytest.MonkeyPatch
) -> None:
    endings = net.managers[0].endings
    monkeypatch.setattr(epoch_changes_module, "MAX_ANSWER_BYTES", 1)  # one update an answer
    chain = _follow_over_rpc(net, EpochChangeProof(tuple(endings)), LaterNode(len(endings)))
    assert chain.trusted.epoch == chain.epoch_changes == len(endings)
