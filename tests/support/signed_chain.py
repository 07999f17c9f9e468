"""A short chain of blocks certified by real BLS QCs from a 4-validator set (fast-sync tests)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from zkpov.config import ConsensusConfig
from zkpov.consensus.genesis import make_genesis
from zkpov.crypto import bls
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import Block, QuorumCert, VoteData
from zkpov.spec.signing import get_scheme
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BLSPubkey, Epoch, Height, Round, Stake, ValidatorIndex

SECRETS = tuple(bls.keygen(bytes([i + 1]) * 32) for i in range(4))


def make_vset(secrets: tuple[bytes, ...] = SECRETS) -> ValidatorSet:
    pubkeys = tuple(BLSPubkey(bls.sk_to_pk(sk)) for sk in secrets)
    stakes = tuple(Stake(10) for _ in secrets)
    return ValidatorSet(Epoch(0), pubkeys, stakes, get_scheme("bls"), ConsensusConfig())


def sign_qc(block: Block, parent_round: int, signers: range | list[int],
            secrets: tuple[bytes, ...] = SECRETS) -> QuorumCert:  # fmt: skip
    data = VoteData(block.epoch, block.round, block.id, Round(parent_round), block.parent_id)
    sigs = [bls.sign(secrets[i], data.signing_root) for i in signers]
    return QuorumCert(data, compute_bitfield(list(signers), len(secrets)), bls.aggregate(sigs))


@dataclass
class SignedChain:
    vset: ValidatorSet
    blocks: list[Block]  # genesis first
    qcs: list[QuorumCert]  # qcs[h] certifies blocks[h]


def make_chain(length: int, root: bytes = bytes(32), payload_at: dict[int, bytes] | None = None,
               roots: dict[int, bytes] | None = None,
               evidence_at: dict[int, tuple[bytes, ...]] | None = None) -> SignedChain:  # fmt: skip
    """Genesis and ``length`` blocks, rounds 1, 2, ... (each directly committed by the next)."""
    vset = make_vset()
    genesis, genesis_qc = make_genesis(vset, root)
    blocks, qcs = [genesis], [genesis_qc]
    for height in range(1, length + 1):
        parent = blocks[-1]
        block = Block(
            epoch=vset.epoch, round=Round(height), height=Height(height), parent_id=parent.id,
            proposer=ValidatorIndex(height % 4), state_root=(roots or {}).get(height, root),
            qc=qcs[-1], payload=(payload_at or {}).get(height, b""),
            evidence=(evidence_at or {}).get(height, ()),
            randao_reveal=bls.sign(SECRETS[height % 4], b"reveal"),
        )  # fmt: skip
        blocks.append(block)
        qcs.append(sign_qc(block, parent.round, range(3)))
    return SignedChain(vset, blocks, qcs)


def with_round(block: Block, round_: int) -> Block:
    return replace(block, round=Round(round_))
