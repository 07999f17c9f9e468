"""zkpov.evm's finality contract on py-evm's Prague VM, with QCs signed as zkpov's validators
sign them (BLS over ``VoteData.signing_root``) on headers whose ids zkpov computes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest

from zkpov.crypto import bls
from zkpov.errors import ContractRevertedError, EvmError
from zkpov.evm import LocalChain
from zkpov.evm.encoding import encode_g2
from zkpov.evm.light_client import (
    LightClientSetup,
    build_light_client,
    encode_header,
    encode_qc,
    get_light_client_setup,
)
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import BlockHeader, QuorumCert, VoteData
from zkpov.spec.validators import compute_validator_set_commitment
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

SECRETS = [bls.keygen(bytes([i + 1]) * 32) for i in range(4)]
KEYS = [bls.sk_to_pk(sk) for sk in SECRETS]
STAKES = [10, 20, 30, 40]
GAS_CEILING = 320_000  # measured about 180k for 4 validators; a ceiling, not a benchmark


@dataclass(frozen=True)
class Deployed:
    chain: LocalChain
    address: str
    abi: list[dict[str, Any]]
    setup: LightClientSetup

    def call(self, name: str, *args: Any) -> Any:
        result = self.chain.call(self.address, self.abi, name, list(args))
        assert result.execution_gas < GAS_CEILING
        return result.value

    def verify(self, header: BlockHeader, qc: QuorumCert, validators: Any = None) -> bytes:
        validators = self.setup.validators if validators is None else validators
        value: bytes = self.call(
            "verify_finalized", encode_header(header), encode_qc(qc), validators
        )
        return value


@pytest.fixture(scope="module")
def deployed() -> Deployed:
    setup = get_light_client_setup(0, KEYS, STAKES, 67)
    abi, bytecode = build_light_client("zkpov-test", bytes(32), len(KEYS))
    chain = LocalChain()
    return Deployed(chain, chain.deploy(bytecode, abi, setup.constructor_args()), abi, setup)


def make_header(round_: int = 5, epoch: int = 0, stakes: list[int] = STAKES) -> BlockHeader:
    return BlockHeader(
        Epoch(epoch), Round(round_), Height(3), BlockId(bytes([1]) * 32), ValidatorIndex(2),
        Root(bytes(range(32))), bytes([2]) * 32, bytes([3]) * 32, bytes([4]) * 32,
        bytes([5]) * 32, bls.sign(SECRETS[2], b"reveal"), 1_800_000_000_000,
        compute_validator_set_commitment(epoch, KEYS, stakes), b"",
    )  # fmt: skip


def make_qc(header: BlockHeader, signers: list[int], epoch: int = 0, gap: int = 1) -> QuorumCert:
    data = VoteData(Epoch(epoch), Round(header.round + gap), BlockId(bytes([9]) * 32),
                    header.round, header.id)  # fmt: skip
    signature = bls.aggregate([bls.sign(SECRETS[i], data.signing_root) for i in signers])
    return QuorumCert(data, compute_bitfield(signers, len(KEYS)), signature)


def test_a_quorum_proves_the_state_root_final(deployed: Deployed) -> None:
    header = make_header()
    result = deployed.chain.call(
        deployed.address, deployed.abi, "verify_finalized",
        [encode_header(header), encode_qc(make_qc(header, [1, 2, 3])),
         deployed.setup.validators],
    )  # fmt: skip
    assert result.value == header.state_root
    assert 100_000 < result.execution_gas < GAS_CEILING


def test_hash_to_g2_is_blst_s(deployed: Deployed) -> None:
    message = bytes(range(32))
    raw = bls.hash_to_g2(message, bls.DST_SIG)  # uncompressed: x_c1, x_c0, y_c1, y_c0
    w = [int.from_bytes(raw[i * 48 : (i + 1) * 48], "big") for i in range(4)]
    assert deployed.call("hash_to_g2", message) == encode_g2(((w[1], w[0]), (w[3], w[2])))


def test_the_commitment_is_the_contract_s(deployed: Deployed) -> None:
    assert deployed.call("commit_to", deployed.setup.validators) == deployed.setup.commitment
    assert deployed.call("validator_commitment") == deployed.setup.commitment
    assert deployed.call("total_stake") == 100


def expect_revert(deployed: Deployed, why: str, header: BlockHeader, qc: QuorumCert,
                  validators: Any = None) -> None:  # fmt: skip
    with pytest.raises(ContractRevertedError, match=why):
        deployed.verify(header, qc, validators)


def test_rejects_a_qc_below_two_thirds(deployed: Deployed) -> None:
    header = make_header()
    expect_revert(deployed, "too little stake", header, make_qc(header, [0, 1, 2]))  # 60 of 100


def test_rejects_a_qc_from_another_epoch(deployed: Deployed) -> None:
    header = make_header(epoch=1)
    expect_revert(deployed, "another epoch", header, make_qc(header, [1, 2, 3], epoch=1))


def test_rejects_a_tampered_key_list(deployed: Deployed) -> None:
    header = make_header()
    records = deployed.setup.validators
    swapped = records[160:320] + records[:160] + records[320:]
    expect_revert(deployed, "do not match", header, make_qc(header, [1, 2, 3]), swapped)
    more_stake = records[:-1] + b"\x64"
    expect_revert(deployed, "do not match", header, make_qc(header, [1, 2, 3]), more_stake)
    expect_revert(deployed, "do not match", header, make_qc(header, [1, 2, 3]), records[:-160])


def test_rejects_a_header_the_qc_does_not_name(deployed: Deployed) -> None:
    header = make_header()
    qc = make_qc(header, [1, 2, 3])
    forged = dataclasses.replace(header, state_root=Root(bytes(32)))
    expect_revert(deployed, "does not certify a child", forged, qc)
    later = dataclasses.replace(header, timestamp_ms=header.timestamp_ms + 1)
    expect_revert(deployed, "does not certify a child", later, qc)


def test_stores_the_set_commitment_headers_carry(deployed: Deployed) -> None:
    expected = compute_validator_set_commitment(0, KEYS, STAKES)
    assert deployed.call("header_set_commitment") == deployed.setup.header_commitment == expected


def test_rejects_a_header_of_another_set(deployed: Deployed) -> None:
    header = make_header(stakes=[10, 20, 30, 41])  # same keys, one stake differs
    expect_revert(deployed, "another validator set", header, make_qc(header, [1, 2, 3]))


def test_rejects_an_epoch_ending_header(deployed: Deployed) -> None:
    header = dataclasses.replace(make_header(), next_validator_set_commitment=bytes(32))
    expect_revert(deployed, "submit_epoch_change", header, make_qc(header, [1, 2, 3]))


def test_rejects_a_qc_that_does_not_commit(deployed: Deployed) -> None:
    header = make_header()
    expect_revert(deployed, "2-chain", header, make_qc(header, [1, 2, 3], gap=2))


def test_rejects_a_malformed_bitfield(deployed: Deployed) -> None:
    header = make_header()
    qc = make_qc(header, [1, 2, 3])
    for signers, why in [(b"", "wrong length"), (b"\x1e", "beyond")]:
        expect_revert(deployed, why, header, dataclasses.replace(qc, signers=signers))
    too_long = dataclasses.replace(qc, signers=qc.signers + b"\x00")  # over the ABI bound
    expect_revert(deployed, "reverted", header, too_long)


@pytest.mark.slow
def test_rejects_a_flipped_signer_bit(deployed: Deployed) -> None:
    header = make_header()
    qc = make_qc(header, [1, 2, 3])
    flipped = dataclasses.replace(qc, signers=bytes([qc.signers[0] ^ 1]))  # adds validator 0
    expect_revert(deployed, "does not verify", header, flipped)


def test_the_constructor_refuses_a_quorum_of_two_thirds() -> None:
    setup = get_light_client_setup(0, KEYS[:3], [1, 1, 1], 2)
    abi, bytecode = build_light_client("zkpov-test", bytes(32), 3)
    with pytest.raises(EvmError, match=r"deployment failed|2/3"):
        LocalChain().deploy(bytecode, abi, setup.constructor_args())
