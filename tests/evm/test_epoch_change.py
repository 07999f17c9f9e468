"""The finality contract follows real epoch changes (an epoch run with real BLS keys: a validator
joins and one leaves at the first boundary) on py-evm's Prague VM, then proves a state root of
the new epoch final; forged next sets and the old set's QCs are refused."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import Any

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
from zkpov.consensus.epochs.proof import EpochChangeProof
from zkpov.crypto import curve_points as cp
from zkpov.errors import ContractRevertedError, EvmError, RelayLimitError
from zkpov.evm import LocalChain
from zkpov.evm.encoding import encode_g1
from zkpov.evm.epoch_change import encode_epoch_change, get_next_setup
from zkpov.evm.light_client import (
    LightClientSetup,
    build_light_client,
    encode_header,
    encode_qc,
    get_light_client_setup,
)
from zkpov.evm.relay import (
    Deployment,
    fetch_epoch_updates,
    relay_epoch_changes,
    submit_epoch_changes,
)
from zkpov.node.rpc import light_api
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.epoch_changes import EpochUpdate, EpochUpdates, get_epoch_update
from zkpov.node.rpc.view import ValidatorsRecord
from zkpov.spec.messages import Block, BlockHeader, QuorumCert
from zkpov.types import Epoch, Height

GAS_CEILING = 600_000  # a ceiling, not a benchmark (benches/bench_evm.py measures)


@dataclass
class Contract:
    chain: LocalChain
    address: str
    abi: list[dict[str, Any]]
    setup: LightClientSetup

    def submit(self, update: EpochUpdate, validators: bytes | None = None) -> int:
        args = encode_epoch_change(
            update, self.setup.validators if validators is None else validators
        )
        result = self.chain.transact(self.address, self.abi, "submit_epoch_change", args)
        self.setup = get_next_setup(self.setup, update)
        return result.execution_gas

    def try_submit(self, args: list[Any]) -> None:
        self.chain.call(self.address, self.abi, "submit_epoch_change", args)

    def get(self, name: str) -> Any:
        return self.chain.call(self.address, self.abi, name, []).value

    def verify(self, header: BlockHeader, qc: QuorumCert, validators: bytes) -> bytes:
        args = [encode_header(header), encode_qc(qc), validators]
        value: bytes = self.chain.call(self.address, self.abi, "verify_finalized", args).value
        return value


@pytest.fixture(scope="module")
def net() -> EpochNet:
    net = make_epoch_net(4, pending=1, exiting=(3,))
    drive(net, EpochRouter(net), until=0.03)
    assert len(net.managers[0].endings) >= 3
    return net


def deploy(net: EpochNet) -> Contract:
    keys, stakes = [pk for _, pk in net.keys[:4]], [STAKE] * 4
    setup = get_light_client_setup(0, keys, stakes, CONFIG.get_quorum_power(sum(stakes)),
                                   CONFIG.finality_threshold)  # fmt: skip
    abi, bytecode = build_light_client("zkpov-test", bytes(32), len(net.keys))
    chain = LocalChain()
    return Contract(chain, chain.deploy(bytecode, abi, setup.constructor_args()), abi, setup)


def updates(net: EpochNet) -> list[EpochUpdate]:
    return [get_epoch_update(ending) for ending in net.managers[0].endings]


def committed_in(log: list[Block], epoch: int) -> tuple[BlockHeader, QuorumCert]:
    """A header of ``epoch`` with the QC (carried by its grandchild) that commits it."""
    for block, grandchild in zip(log, log[2:], strict=False):
        data = grandchild.qc.vote_data
        if block.epoch == epoch and data.parent_id == block.id and data.round == block.round + 1:
            return block.header, grandchild.qc
    raise AssertionError(f"no committed header of epoch {epoch} in the log")


def test_follows_two_epoch_changes_then_proves_a_state_root(net: EpochNet) -> None:
    contract, (first, second) = deploy(net), updates(net)[:2]
    old_records = contract.setup.validators
    gas = [contract.submit(first), contract.submit(second)]
    assert all(0 < g < GAS_CEILING for g in gas), gas
    assert contract.get("epoch") == 2
    assert contract.get("header_set_commitment") == second.header.next_validator_set_commitment
    assert contract.get("validator_commitment") == contract.setup.commitment
    assert contract.get("total_stake") == sum(second.next_stakes)
    assert contract.get("quorum_power") == contract.setup.quorum_power
    header, qc = committed_in(net.logs[0], 2)
    assert contract.verify(header, qc, contract.setup.validators) == header.state_root
    old_header, old_qc = committed_in(net.logs[0], 0)
    with pytest.raises(ContractRevertedError, match="do not match"):
        contract.verify(old_header, old_qc, old_records)  # the old set, after the change
    with pytest.raises(ContractRevertedError, match="another epoch"):
        contract.verify(old_header, old_qc, contract.setup.validators)
    with pytest.raises(ContractRevertedError, match="another epoch"):
        contract.submit(first)  # an ending of an epoch the contract has left


def test_a_forged_next_set_is_refused(net: EpochNet) -> None:
    contract, update = deploy(net), updates(net)[0]
    richer = dataclasses.replace(
        update, next_stakes=(update.next_stakes[0] + 1, *update.next_stakes[1:])
    )
    with pytest.raises(ContractRevertedError, match="does not match the header's commitment"):
        contract.submit(richer)
    args = encode_epoch_change(update, contract.setup.validators)
    records = args[5]
    swapped = records[160:320] + records[:160] + records[320:]  # the body unchanged
    with pytest.raises(ContractRevertedError, match="key is not the next set's"):
        contract.try_submit([*args[:5], swapped])
    x, y = cp.decompress_g1(update.next_pubkeys[0])  # type: ignore[misc]
    moved = y + 2 if y + 2 < cp.FIELD_MODULUS else y - 2
    assert cp.compress_g1((x, moved)) == update.next_pubkeys[0]  # only the curve check differs
    off_curve = encode_g1((x, moved)) + records[128:160]
    with pytest.raises(ContractRevertedError):  # the G1 add precompile refuses it
        contract.try_submit([*args[:5], off_curve + records[160:]])
    assert contract.get("epoch") == 0


def test_an_ending_not_committed_by_the_stored_set_is_refused(net: EpochNet) -> None:
    contract, update = deploy(net), updates(net)[0]
    qc = update.commit_qc
    signers = [i for i in range(4) if qc.signers[0] >> i & 1]
    other = dataclasses.replace(qc.vote_data, round=qc.vote_data.round + 1).signing_root
    sig = net.scheme.aggregate([net.scheme.sign(net.keys[i][0], other) for i in signers])
    forged = dataclasses.replace(update, commit_qc=dataclasses.replace(qc, signature=sig))
    with pytest.raises(ContractRevertedError, match="does not verify"):
        contract.submit(forged)
    stray = dataclasses.replace(update.header, round=update.header.round + 1)
    with pytest.raises(ContractRevertedError, match="suffix does not link"):
        contract.submit(dataclasses.replace(update, suffix=(stray,)))
    with pytest.raises(ContractRevertedError, match="another epoch"):
        contract.submit(updates(net)[1])
    bare = dataclasses.replace(update.header, next_validator_set_commitment=b"")
    with pytest.raises(ContractRevertedError, match="names no next set"):
        contract.submit(dataclasses.replace(update, header=bare))


def test_the_relay_feeds_what_a_node_serves(net: EpochNet) -> None:
    endings = net.managers[0].endings[:3]  # the log holds committed blocks of the epoch after
    view = FakeNode()
    view.epoch_proof = EpochChangeProof(tuple(endings))
    contract = deploy(net)

    async def fetch() -> EpochUpdates:
        async with TestServer(create_app(view)) as server:
            return await fetch_epoch_updates(str(server.make_url("")).rstrip("/"), 0)

    served = asyncio.run(fetch())
    deployment = Deployment(contract.chain, contract.address, contract.abi)
    setup, results = submit_epoch_changes(deployment, contract.setup, served.updates)
    assert [r.value for r in results] == list(range(1, len(endings) + 1))
    assert contract.get("epoch") == setup.epoch == len(endings)
    header, qc = committed_in(net.logs[0], len(endings))
    assert contract.verify(header, qc, setup.validators) == header.state_root
    with pytest.raises(EvmError, match="contract is in epoch"):
        submit_epoch_changes(deployment, contract.setup, served.updates)


class EpochNode(FakeNode):
    """A node in epoch ``len(endings)`` that serves those endings as epoch changes."""

    def __init__(self, endings: list[Any]) -> None:
        super().__init__()
        self.epoch_proof = EpochChangeProof(tuple(endings))

    def get_validators(self, height: Height | None) -> ValidatorsRecord | None:
        record = super().get_validators(height)
        epoch = Epoch(len(self.epoch_proof.endings)) if self.epoch_proof else Epoch(0)
        return None if record is None else dataclasses.replace(record, epoch=epoch)


def relay_through(node: EpochNode, contract: Contract, to_epoch: int, limit: int) -> Any:
    deployment = Deployment(contract.chain, contract.address, contract.abi)

    async def relay() -> Any:
        async with TestServer(create_app(node)) as server:
            url = str(server.make_url("")).rstrip("/")
            return await relay_epoch_changes(url, deployment, contract.setup, to_epoch, limit)

    return asyncio.run(relay())


def test_the_relay_pages_through_answers_until_the_contract_holds_the_epoch(
    net: EpochNet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With answers of one epoch change (the node's cap is 64), three answers take the contract
    from epoch 0 to 3, one transaction each; a bound below that refuses before any."""
    monkeypatch.setattr(light_api, "MAX_UPDATES", 1)
    node, contract = EpochNode(net.managers[0].endings[:3]), deploy(net)
    with pytest.raises(RelayLimitError, match="3 epoch changes past the contract's 0; one relay"
                       " submits at most 2"):  # fmt: skip
        relay_through(node, contract, 3, limit=2)
    assert contract.get("epoch") == 0
    setup, results = relay_through(node, contract, 3, limit=3)
    assert [r.value for r in results] == [1, 2, 3] and contract.get("epoch") == setup.epoch == 3
    header, qc = committed_in(net.logs[0], 3)
    assert contract.verify(header, qc, setup.validators) == header.state_root


def test_the_relay_stops_where_the_node_serves_no_more(net: EpochNet) -> None:
    """A header of epoch 3 from a node that serves only one epoch change: one line, no loop."""
    node, contract = EpochNode(net.managers[0].endings[:1]), deploy(net)
    with pytest.raises(EvmError, match="serves no epoch change from epoch 1 on"):
        relay_through(node, contract, 3, limit=8)
    assert contract.get("epoch") == 1
