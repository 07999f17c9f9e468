"""zkpov.chain.ledger_root: the staking root is the domain-tagged hash of the ledger encoding,
moves with every processed block, and stays put for a block of an epoch the ledger left."""

from __future__ import annotations

import hashlib

from zkpov.chain.containers import ChainState
from zkpov.chain.ledger_codec import encode_chain_state
from zkpov.chain.ledger_root import (
    apply_ledger_block,
    compute_encoding_root,
    compute_staking_root,
)
from zkpov.chain.transition import compute_genesis_state
from zkpov.config import ConsensusConfig
from zkpov.consensus.genesis import make_genesis
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import Block, QuorumCert, VoteData
from zkpov.spec.signing import InsecureHashScheme
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Epoch, Height, Root, Round, Stake, ValidatorIndex

SCHEME = InsecureHashScheme()
KEYS = [SCHEME.derive_keypair(b"v%d" % i) for i in range(4)]
CONFIG = ConsensusConfig(epoch_length=10)
VSET = ValidatorSet(
    Epoch(0), tuple(pk for _, pk in KEYS), tuple(Stake(10**12) for _ in KEYS), SCHEME, CONFIG
)
GENESIS, _ = make_genesis(VSET, Root(bytes(32)))


def ledger() -> ChainState:
    owners = [bytes(pk) for pk in VSET.pubkeys]
    return compute_genesis_state(VSET.pubkeys, VSET.stakes, owners, VSET.seed)


def child(epoch: int = 0) -> Block:
    data = VoteData(Epoch(0), Round(0), GENESIS.id, Round(0), GENESIS.id)
    qc = QuorumCert(data, compute_bitfield([0, 1, 2], 4), b"")
    return Block(
        Epoch(epoch), Round(1), Height(1), GENESIS.id, ValidatorIndex(1), GENESIS.state_root, qc,
        randao_reveal=b"r",
    )  # fmt: skip


def test_the_root_is_the_tagged_hash_of_the_ledger_encoding() -> None:
    state = ledger()
    encoding = encode_chain_state(state)
    expected = hashlib.sha256(b"ZKPOV/STAKING/v1" + encoding).digest()
    assert compute_staking_root(state) == compute_encoding_root(encoding) == expected


def test_a_processed_block_moves_the_root_and_a_left_epochs_block_does_not() -> None:
    state = ledger()
    before = compute_staking_root(state)
    assert apply_ledger_block(state, CONFIG, VSET, child())
    moved = compute_staking_root(state)
    assert moved != before and state.height == 1
    assert not apply_ledger_block(state, CONFIG, VSET, child(epoch=1))
    assert compute_staking_root(state) == moved
