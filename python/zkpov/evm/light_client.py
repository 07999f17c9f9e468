"""The finality contract (``templates/LightClient.vy``) for a static validator set, and the
encodings of headers, quorum certificates and validators that its ``verify_finalized`` reads.

The contract stores the epoch, a commitment to the validator set (keccak256 of its records: per
validator, its key uncompressed in the EIP-2537 encoding, 128 bytes, and its stake as a 32-byte
big-endian integer), the set's commitment as zkpov headers carry it
(``compute_validator_set_commitment``), the total stake, the quorum power and the chain's
finality threshold (to compute the quorum of later sets). A relayer passes the records with
every call; the contract checks them against the commitment and the header's set commitment
against the stored one. ``verify_finalized`` refuses an epoch-ending header (one naming a next
set): ``submit_epoch_change`` (:mod:`zkpov.evm.epoch_change`) takes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from zkpov.constants import DEFAULT_FINALITY_THRESHOLD, DOMAIN_BLOCK_ID, DOMAIN_VOTE
from zkpov.crypto import curve_points as cp
from zkpov.crypto.bls import DST_SIG
from zkpov.errors import EvmError
from zkpov.evm.compiler import compile_contract, import_evm_package, render_template
from zkpov.evm.encoding import encode_g1, encode_g2
from zkpov.node.rpc.epoch_changes import MAX_SUFFIX_HEADERS
from zkpov.node.state.genesis import Genesis
from zkpov.spec.encoding import encode_field
from zkpov.spec.messages import BlockHeader, QuorumCert
from zkpov.spec.validators import VALIDATOR_SET_TAG, compute_validator_set_commitment

__all__ = [
    "MAX_CONTRACT_VALIDATORS",
    "LightClientSetup",
    "build_light_client",
    "encode_header",
    "encode_qc",
    "encode_setup_json",
    "encode_validators",
    "get_contract_bound",
    "get_genesis_setup",
    "get_light_client_setup",
    "render_light_client",
]

MAX_CONTRACT_VALIDATORS = 256
G1_GENERATOR = (
    0x17F1D3A73197D7942695638C4FA9AC0FC3688C4F9774B905A14E3A3F171BAC586C55E83FF97A1AEFFB3AF00ADB22C6BB,
    0x08B3F481E3AAA0F1A09E30ED741D8AE4FCF5E095D5D00AF600DB18CB2C04B3EDD03CC744A2888AE40CAA232946C5E7E1,
)
VALIDATOR_RECORD_BYTES = 160
NEXT_SET_ITEM_BYTES = 64  # a key compressed (48) and its stake (16): the set commitment's body
HALF_P = (cp.FIELD_MODULUS - 1) // 2  # y above it sets a compressed key's sign flag


@dataclass(frozen=True)
class LightClientSetup:
    """The constructor arguments of the finality contract, and the set they commit to."""

    epoch: int
    validators: bytes  # the records, VALIDATOR_RECORD_BYTES each
    commitment: bytes
    header_commitment: bytes  # compute_validator_set_commitment: what headers carry
    total_stake: int
    quorum_power: int
    threshold: Fraction = DEFAULT_FINALITY_THRESHOLD  # the chain's finality threshold

    def constructor_args(self) -> list[Any]:
        return [
            self.epoch, self.commitment, self.header_commitment, self.total_stake,
            self.quorum_power, self.threshold.numerator, self.threshold.denominator,
        ]  # fmt: skip


def _record(public_key: bytes, stake: int) -> bytes:
    point = cp.decompress_g1(public_key)
    if point is None:
        raise EvmError("a validator key is the point at infinity")
    return encode_g1(point) + stake.to_bytes(32, "big")


def encode_validators(keys: Sequence[bytes], stakes: Sequence[int]) -> bytes:
    """Compressed BLS keys and stakes as the contract's validator records."""
    if not 0 < len(keys) == len(stakes) <= MAX_CONTRACT_VALIDATORS:
        raise EvmError(f"the contract takes 1 to {MAX_CONTRACT_VALIDATORS} validators")
    return b"".join(_record(key, stake) for key, stake in zip(keys, stakes, strict=True))


def compute_commitment(validators: bytes) -> bytes:
    keccak = import_evm_package("eth_utils").keccak
    return bytes(keccak(validators))


def get_light_client_setup(
    epoch: int, keys: Sequence[bytes], stakes: Sequence[int], quorum_power: int,
    threshold: Fraction = DEFAULT_FINALITY_THRESHOLD,
) -> LightClientSetup:  # fmt: skip
    validators = encode_validators(keys, stakes)
    header_commitment = compute_validator_set_commitment(epoch, keys, stakes)
    return LightClientSetup(
        epoch, validators, compute_commitment(validators), header_commitment, sum(stakes),
        quorum_power, threshold,
    )  # fmt: skip


def get_genesis_setup(genesis: Genesis) -> LightClientSetup:
    """The contract's state for the genesis validator set (epoch 0, the node's quorum power)."""
    stakes = [v.stake for v in genesis.validators]
    config = genesis.consensus
    quorum = config.get_quorum_power(sum(stakes))
    keys = [v.bls_public_key for v in genesis.validators]
    return get_light_client_setup(0, keys, stakes, quorum, config.finality_threshold)


def encode_setup_json(setup: LightClientSetup) -> dict[str, Any]:
    """The constructor arguments and the uncompressed keys, for deployers and relayers."""
    return {
        "epoch": setup.epoch, "validator_commitment": "0x" + setup.commitment.hex(),
        "header_set_commitment": "0x" + setup.header_commitment.hex(),
        "total_stake": setup.total_stake, "quorum_power": setup.quorum_power,
        "threshold_num": setup.threshold.numerator,
        "threshold_den": setup.threshold.denominator,
        "validators": "0x" + setup.validators.hex(),
    }  # fmt: skip


def encode_header(header: BlockHeader) -> tuple[Any, ...]:
    """A header as the contract's ``Header`` struct (field order of ``BlockHeader.id``)."""
    if len(header.state_root) != 32 or len(header.randao_reveal) > 96:
        raise EvmError("the contract takes 32-byte state roots and reveals of at most 96 bytes")
    if len(header.validator_set_commitment) != 32 or len(header.next_validator_set_commitment) > 32:
        raise EvmError("the contract takes 32-byte set commitments")
    if len(header.staking_root) > 32:
        raise EvmError("the contract takes staking roots of at most 32 bytes")
    return (
        header.epoch, header.round, header.height, header.parent_id, header.proposer,
        header.state_root, header.qc_digest, header.payload_digest, header.evidence_digest,
        header.proof_digest, header.randao_reveal, header.timestamp_ms,
        header.validator_set_commitment, header.next_validator_set_commitment, header.staking_root,
    )  # fmt: skip


def encode_qc(qc: QuorumCert) -> tuple[Any, ...]:
    """A QC as the contract's ``QC`` struct, its signature uncompressed (EIP-2537)."""
    data = qc.vote_data
    signature = encode_g2(cp.decompress_g2(qc.signature))
    return (data.epoch, data.round, data.block_id, data.parent_round, data.parent_id,
            qc.signers, signature)  # fmt: skip


def get_contract_bound(genesis: Genesis) -> int:
    """The set size a chain's finality contract is rendered for: the chain's ``max_validators``
    (sets grow as validators join), at least the genesis set, at most the contract's limit."""
    wanted = max(len(genesis.validators), genesis.consensus.max_validators)
    return min(wanted, MAX_CONTRACT_VALIDATORS)


def render_light_client(chain_id: str, genesis_hash: bytes, max_validators: int) -> str:
    """The Vyper source of the finality contract (its state comes with the constructor) for
    sets of at most ``max_validators``: the bound sizes its buffers, and memory costs gas."""
    if not chain_id.isprintable() or '"' in chain_id or "\\" in chain_id:
        raise EvmError("the chain id must be printable, without quotes or backslashes")
    if not 0 < max_validators <= MAX_CONTRACT_VALIDATORS:
        raise EvmError(f"the contract takes 1 to {MAX_CONTRACT_VALIDATORS} validators")
    block_domain, vote_domain = encode_field(DOMAIN_BLOCK_ID), encode_field(DOMAIN_VOTE)
    dst_prime = DST_SIG + bytes([len(DST_SIG)])
    zero_hash = import_evm_package("vyper.utils").keccak256
    return render_template("LightClient.vy", {
        "chain_id": chain_id, "genesis_hash": genesis_hash.hex(),
        "max_validators": str(max_validators),
        "max_signer_bytes": str((max_validators + 7) // 8),
        "max_record_bytes": str(max_validators * VALIDATOR_RECORD_BYTES),
        "field_modulus": cp.FIELD_MODULUS.to_bytes(48, "big").hex(),
        "block_domain": block_domain.hex(), "block_domain_size": str(len(block_domain)),
        "vote_domain": vote_domain.hex(), "vote_domain_size": str(len(vote_domain)),
        "dst_prime": dst_prime.hex(), "dst_prime_size": str(len(dst_prime)),
        "neg_g1": encode_g1((G1_GENERATOR[0], cp.FIELD_MODULUS - G1_GENERATOR[1])).hex(),
        "zero_g1_hash": "0x" + zero_hash(bytes(128)).hex(),
        "zero_g2_hash": "0x" + zero_hash(bytes(256)).hex(),
        "max_suffix": str(MAX_SUFFIX_HEADERS),
        "max_next_bytes": str(max_validators * NEXT_SET_ITEM_BYTES),
        "set_tag": VALIDATOR_SET_TAG.hex(), "set_tag_size": str(len(VALIDATOR_SET_TAG)),
        "half_p_hi": str(HALF_P >> 256), "half_p_lo": str(HALF_P & ((1 << 256) - 1)),
    })  # fmt: skip


def build_light_client(
    chain_id: str, genesis_hash: bytes, max_validators: int
) -> tuple[list[dict[str, Any]], bytes]:
    """(ABI, deployment bytecode) of the finality contract, compiled in-process."""
    return compile_contract(render_light_client(chain_id, genesis_hash, max_validators))
