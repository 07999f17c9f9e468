"""Protocol constants: fixed by the protocol, never configured at run time."""

from __future__ import annotations

from fractions import Fraction
from typing import Final

# Domain separation for signing roots (SHA-256 over a domain tag and a length-prefixed encoding).
DOMAIN_PROPOSAL: Final = b"ZKPOV/PROPOSAL/v1"
DOMAIN_VOTE: Final = b"ZKPOV/VOTE/v1"
DOMAIN_TIMEOUT: Final = b"ZKPOV/TIMEOUT/v1"
DOMAIN_RANDAO: Final = b"ZKPOV/RANDAO/v1"
DOMAIN_LEADER_SEED: Final = b"ZKPOV/LEADER/v1"
DOMAIN_BLOCK_ID: Final = b"ZKPOV/BLOCK/v3"  # v2: timestamp, set commitments; v3: staking root
DOMAIN_STAKING: Final = b"ZKPOV/STAKING/v1"  # staking_root: SHA-256 of this tag and the ledger

HASH_LENGTH: Final = 32
BLS_PUBKEY_LENGTH: Final = 48
BLS_SIGNATURE_LENGTH: Final = 96
UINT64_MAX: Final = 2**64 - 1

# A proposal's timestamp_ms may be at most this far ahead of a voter's own wall clock.
MAX_TIMESTAMP_DRIFT_MS: Final = 5_000

GENESIS_ROUND: Final = 0
GENESIS_EPOCH: Final = 0

# Quorum: strictly more than 2/3 of the epoch's stake; timeout echo: strictly more than 1/3.
BFT_QUORUM_FRACTION: Final = Fraction(2, 3)
TIMEOUT_ECHO_FRACTION: Final = Fraction(1, 3)
# The smallest threshold above 2/3 that we express exactly: for any total below 2**62 the
# required power equals the classic BFT minimum floor(2T/3) + 1.
DEFAULT_FINALITY_THRESHOLD: Final = BFT_QUORUM_FRACTION + Fraction(1, 2**64)

# Pacemaker: timeout = base * TIMEOUT_BACKOFF ** min(k, TIMEOUT_BACKOFF_MAX_EXPONENT). The cap
# (1.2 ** 30, about 237 x base) is high enough that any realistic post-GST delay is outgrown;
# a round entered through a QC resets k.
TIMEOUT_BACKOFF: Final = 1.2
TIMEOUT_BACKOFF_MAX_EXPONENT: Final = 30

# Aptos-style leader reputation weights (multiplied by stake).
REPUTATION_ACTIVE_WEIGHT: Final = 1000
REPUTATION_INACTIVE_WEIGHT: Final = 10
REPUTATION_FAILED_WEIGHT: Final = 1
REPUTATION_FAILURE_THRESHOLD: Final = Fraction(1, 10)

SECONDS_PER_YEAR: Final = 365 * 24 * 3600
COMMISSION_DENOMINATOR: Final = 10_000  # commission in basis points

# Wire limits (checked before decoding).
MAX_MESSAGE_BYTES: Final = 4 * 1024 * 1024
MAX_PAYLOAD_BYTES: Final = 1024 * 1024
MAX_EVIDENCE_PER_BLOCK: Final = 64
MAX_SYNC_BLOCKS: Final = 64
MAX_VALIDATORS_LIMIT: Final = 1 << 16

# `zkpov start --byzantine` (zkpov.node.attack): attack modes, test networks only.
ATTACK_MODES: Final = ("double_vote", "double_proposal", "forged_evidence")
