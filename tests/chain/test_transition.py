"""process_block: evidence, rewards, RANDAO and the epoch boundary for committed blocks."""

from __future__ import annotations

import dataclasses
import hashlib

from zkpov.chain.containers import ValidatorStatus
from zkpov.chain.seed import compute_epoch_seed, compute_randao_mix
from zkpov.chain.transition import compute_genesis_state, is_supply_conserved, process_block
from zkpov.config import ConsensusConfig
from zkpov.consensus.genesis import make_genesis
from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.evidence import InvalidBlockProposal, SignedHeader
from zkpov.spec.messages import Block, QuorumCert, VoteData
from zkpov.spec.signing import InsecureHashScheme
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Epoch, Height, Root, Round, Stake, ValidatorIndex

SCHEME = InsecureHashScheme()
KEYS = [SCHEME.derive_keypair(b"t%d" % i) for i in range(4)]
CONFIG = ConsensusConfig(epoch_length=3)
VSET = ValidatorSet(
    Epoch(0), tuple(pk for _, pk in KEYS), tuple(Stake(10**12) for _ in KEYS), SCHEME, CONFIG
)
GENESIS, GENESIS_QC = make_genesis(VSET, Root(bytes(32)))


def block(height: int, proposer: int = 0, evidence: tuple[bytes, ...] = ()) -> Block:
    data = VoteData(Epoch(0), Round(height - 1), GENESIS.id, Round(0), GENESIS.id)
    qc = QuorumCert(data, compute_bitfield([0, 1, 2], 4), b"")
    return Block(
        Epoch(0), Round(height), Height(height), GENESIS.id, ValidatorIndex(proposer),
        GENESIS.state_root, qc, evidence=evidence, randao_reveal=b"%d" % height,
    )  # fmt: skip


def invalid_block_evidence(offender: int) -> bytes:
    forged = dataclasses.replace(
        block(1, proposer=offender), state_root=Root(hashlib.sha256(b"m").digest())
    )
    signature = SCHEME.sign(KEYS[offender][0], forged.header.signing_root)
    return encode_evidence(
        InvalidBlockProposal(SignedHeader(forged.header, signature), GENESIS.header)
    )


def test_committed_blocks_pay_rewards_and_roll_the_epoch() -> None:
    state = compute_genesis_state(
        VSET.pubkeys, VSET.stakes, [b"o%d" % i for i in range(4)], VSET.seed
    )
    seed = state.seed
    for height in (1, 2):
        process_block(state, CONFIG, VSET, block(height))
    assert state.minted > 0 and state.balances.get(b"o3", 0) == 0  # 3 neither proposed nor signed
    mix = compute_randao_mix(compute_randao_mix(bytes(32), b"1"), b"2")
    assert state.epoch == 0 and state.randao_mix == mix
    process_block(state, CONFIG, VSET, block(3))
    assert state.seed == compute_epoch_seed(seed, Epoch(1), [b"1", b"2", b"3"])
    assert state.epoch == 1 and state.randao_mix == bytes(32)
    assert is_supply_conserved(state)


def test_evidence_in_a_block_slashes_once_and_bad_evidence_is_ignored() -> None:
    state = compute_genesis_state(
        VSET.pubkeys, VSET.stakes, [b"o%d" % i for i in range(4)], VSET.seed
    )
    good = invalid_block_evidence(2)
    process_block(state, CONFIG, VSET, block(1, evidence=(good, b"\x00garbage", good)))
    assert state.validators[2].status is ValidatorStatus.SLASHED
    assert state.burned == state.validators[2].slashed_amount == 10**12 // 20
    assert state.validators[3].status is ValidatorStatus.ACTIVE and is_supply_conserved(state)
