# pragma version 0.4.3
"""
@title zkpov finality contract (validator sets followed across epochs; BLS12-381, EIP-2537)
@notice Chain $chain_id, genesis $genesis_hash. Rendered by zkpov.evm from LightClient.vy.
@dev verify_finalized(header, qc, validators) returns the header's state root when qc commits
     the header under zkpov's 2-chain rule (qc certifies the header's child, one round later)
     and carries BLS signatures of validators holding the quorum. submit_epoch_change adopts
     the next set an epoch-ending header names once the stored set's QC commits that header.
     Header ids and vote signing roots are recomputed here exactly as zkpov computes them
     (spec/encoding.py); the message is hashed to G2 here too (RFC 9380, expand_message_xmd
     with SHA-256). Every failure reverts.
"""

MAX_VALIDATORS: constant(uint256) = $max_validators
MAX_SIGNER_BYTES: constant(uint256) = $max_signer_bytes
RECORD: constant(uint256) = 160
MAX_RECORD_BYTES: constant(uint256) = $max_record_bytes
MODEXP: constant(address) = 0x0000000000000000000000000000000000000005
G1ADD: constant(address) = 0x000000000000000000000000000000000000000b
G2ADD: constant(address) = 0x000000000000000000000000000000000000000d
PAIRING: constant(address) = 0x000000000000000000000000000000000000000F
MAP_FP2_TO_G2: constant(address) = 0x0000000000000000000000000000000000000011
FIELD_MODULUS: constant(Bytes[48]) = x"$field_modulus"
BLOCK_DOMAIN: constant(Bytes[$block_domain_size]) = x"$block_domain"
VOTE_DOMAIN: constant(Bytes[$vote_domain_size]) = x"$vote_domain"
DST_PRIME: constant(Bytes[$dst_prime_size]) = x"$dst_prime"
NEG_G1: constant(Bytes[128]) = x"$neg_g1"
ZERO_G1_HASH: constant(bytes32) = $zero_g1_hash
ZERO_G2_HASH: constant(bytes32) = $zero_g2_hash
MAX_SUFFIX: constant(uint256) = $max_suffix
NEXT_ITEM: constant(uint256) = 64
MAX_NEXT_BYTES: constant(uint256) = $max_next_bytes
SET_TAG: constant(Bytes[$set_tag_size]) = x"$set_tag"
HALF_P_HI: constant(uint256) = $half_p_hi
HALF_P_LO: constant(uint256) = $half_p_lo


struct Header:
    epoch: uint64
    round: uint64
    height: uint64
    parent_id: bytes32
    proposer: uint64
    state_root: bytes32
    qc_digest: bytes32
    payload_digest: bytes32
    evidence_digest: bytes32
    proof_digest: bytes32
    randao_reveal: Bytes[96]
    timestamp_ms: uint64
    validator_set_commitment: bytes32
    next_validator_set_commitment: Bytes[32]
    staking_root: Bytes[32]


struct QC:
    epoch: uint64
    round: uint64
    block_id: bytes32
    parent_round: uint64
    parent_id: bytes32
    signers: Bytes[MAX_SIGNER_BYTES]
    signature: Bytes[256]


event EpochChanged:
    epoch: indexed(uint64)
    header_set_commitment: bytes32
    total_stake: uint256


epoch: public(uint64)
validator_commitment: public(bytes32)
header_set_commitment: public(bytes32)
total_stake: public(uint256)
quorum_power: public(uint256)
threshold_num: public(uint256)
threshold_den: public(uint256)


@deploy
def __init__(epoch: uint64, commitment: bytes32, header_commitment: bytes32, total_stake: uint256, quorum_power: uint256, threshold_num: uint256, threshold_den: uint256):
    assert quorum_power * 3 > total_stake * 2, "quorum must exceed 2/3 of the stake"
    assert threshold_num * 3 > threshold_den * 2 and threshold_num <= threshold_den, "finality threshold must lie in (2/3, 1]"
    self.epoch = epoch
    self.validator_commitment = commitment
    self.header_set_commitment = header_commitment
    self.total_stake = total_stake
    self.quorum_power = quorum_power
    self.threshold_num = threshold_num
    self.threshold_den = threshold_den


@internal
@pure
def _int(x: uint64) -> Bytes[9]:
    return concat(x"00", convert(x, bytes8))


@internal
@pure
def _b32(x: bytes32) -> Bytes[37]:
    return concat(x"0100000020", x)


@internal
@pure
def _header_id(h: Header) -> bytes32:
    return sha256(concat(
        BLOCK_DOMAIN, self._int(h.epoch), self._int(h.round), self._int(h.height),
        self._b32(h.parent_id), self._int(h.proposer), self._b32(h.state_root),
        self._b32(h.qc_digest), self._b32(h.payload_digest), self._b32(h.evidence_digest),
        self._b32(h.proof_digest), x"01", convert(convert(len(h.randao_reveal), uint32), bytes4),
        h.randao_reveal, self._int(h.timestamp_ms), self._b32(h.validator_set_commitment), x"01",
        convert(convert(len(h.next_validator_set_commitment), uint32), bytes4),
        h.next_validator_set_commitment, x"01",
        convert(convert(len(h.staking_root), uint32), bytes4), h.staking_root,
    ))


@internal
@pure
def _vote_root(qc: QC) -> bytes32:
    return sha256(concat(
        VOTE_DOMAIN, self._int(qc.epoch), self._int(qc.round), self._b32(qc.block_id),
        self._int(qc.parent_round), self._b32(qc.parent_id),
    ))


@internal
@view
def _to_fp(hi: bytes32, lo: bytes32) -> Bytes[64]:
    """(hi || lo) mod p as an EIP-2537 field element, with the MODEXP precompile."""
    sizes: Bytes[96] = concat(convert(64, bytes32), convert(1, bytes32), convert(48, bytes32))
    out: Bytes[48] = raw_call(MODEXP, concat(sizes, hi, lo, x"01", FIELD_MODULUS), max_outsize=48, is_static_call=True)
    assert len(out) == 48, "modexp failed"
    return concat(empty(bytes16), out)


@internal
@view
def _hash_to_g2(message: bytes32) -> Bytes[256]:
    """RFC 9380 hash_to_curve (BLS12381G2_XMD:SHA-256_SSWU_RO_) with zkpov's signature DST."""
    b0: bytes32 = sha256(concat(empty(bytes32), empty(bytes32), message, x"010000", DST_PRIME))
    b: bytes32[8] = empty(bytes32[8])
    b[0] = sha256(concat(b0, x"01", DST_PRIME))
    for i: uint256 in range(1, 8):
        mixed: bytes32 = convert(convert(b0, uint256) ^ convert(b[i - 1], uint256), bytes32)
        b[i] = sha256(concat(mixed, convert(convert(i + 1, uint8), bytes1), DST_PRIME))
    u0: Bytes[128] = concat(self._to_fp(b[0], b[1]), self._to_fp(b[2], b[3]))
    u1: Bytes[128] = concat(self._to_fp(b[4], b[5]), self._to_fp(b[6], b[7]))
    q0: Bytes[256] = raw_call(MAP_FP2_TO_G2, u0, max_outsize=256, is_static_call=True)
    q1: Bytes[256] = raw_call(MAP_FP2_TO_G2, u1, max_outsize=256, is_static_call=True)
    h: Bytes[256] = raw_call(G2ADD, concat(q0, q1), max_outsize=256, is_static_call=True)
    assert len(q0) == 256 and len(q1) == 256 and len(h) == 256, "map to G2 failed"
    return h


@external
@view
def hash_to_g2(message: bytes32) -> Bytes[256]:
    return self._hash_to_g2(message)


@internal
@view
def _aggregate(signers: Bytes[MAX_SIGNER_BYTES], validators: Bytes[MAX_RECORD_BYTES]) -> (Bytes[128], uint256):
    """The signers' aggregate public key and their stake."""
    n: uint256 = len(validators) // RECORD
    assert len(validators) == n * RECORD, "validator records must be 160 bytes each"
    assert len(signers) == (n + 7) // 8, "signers bitfield has the wrong length"
    if n % 8 != 0:
        last: uint256 = convert(slice(signers, len(signers) - 1, 1), uint256)
        assert last >> (n % 8) == 0, "signers bitfield sets a bit beyond the validator set"
    acc: Bytes[128] = empty(Bytes[128])
    power: uint256 = 0
    byte: uint256 = 0
    for i: uint256 in range(n, bound=MAX_VALIDATORS):
        if i % 8 == 0:
            byte = convert(slice(signers, i // 8, 1), uint256)
        if (byte >> (i % 8)) & 1 == 1:
            power += convert(slice(validators, i * RECORD + 128, 32), uint256)
            point: Bytes[128] = slice(validators, i * RECORD, 128)
            if len(acc) == 0:
                acc = point
            else:
                acc = raw_call(G1ADD, concat(acc, point), max_outsize=128, is_static_call=True)
                assert len(acc) == 128, "G1 add failed"
    return acc, power


@external
@view
def commit_to(validators: Bytes[MAX_RECORD_BYTES]) -> bytes32:
    """The commitment to a validator set: keccak256 of its records (key 128 || stake 32)."""
    return keccak256(validators)


@internal
@view
def _check_commit(header: Header, qc: QC, validators: Bytes[MAX_RECORD_BYTES]):
    """qc, signed by the stored set (validators), commits header under the 2-chain rule."""
    assert keccak256(validators) == self.validator_commitment, "validators do not match the stored commitment"
    assert qc.epoch == self.epoch and header.epoch == self.epoch, "QC or header from another epoch"
    assert header.validator_set_commitment == self.header_set_commitment, "header commits to another validator set"
    assert qc.parent_id == self._header_id(header), "QC does not certify a child of the header"
    assert qc.parent_round == header.round and qc.round == header.round + 1, "QC does not commit the header (2-chain rule)"
    agg: Bytes[128] = empty(Bytes[128])
    power: uint256 = 0
    agg, power = self._aggregate(qc.signers, validators)
    assert power >= self.quorum_power and power * 3 > self.total_stake * 2, "signers hold too little stake"
    assert len(agg) == 128 and keccak256(agg) != ZERO_G1_HASH, "aggregate key at infinity"
    assert len(qc.signature) == 256 and keccak256(qc.signature) != ZERO_G2_HASH, "bad signature encoding"
    pairs: Bytes[768] = concat(agg, self._hash_to_g2(self._vote_root(qc)), NEG_G1, qc.signature)
    ok: Bytes[32] = raw_call(PAIRING, pairs, max_outsize=32, is_static_call=True)
    assert len(ok) == 32 and convert(ok, uint256) == 1, "aggregate signature does not verify"


@external
@view
def verify_finalized(header: Header, qc: QC, validators: Bytes[MAX_RECORD_BYTES]) -> bytes32:
    """The header's state root, if qc proves the header final; reverts otherwise. validators:
    one 160-byte record per validator, its key (EIP-2537 G1) and its stake (uint256)."""
    assert len(header.next_validator_set_commitment) == 0, "an epoch-ending header: use submit_epoch_change"
    self._check_commit(header, qc, validators)
    return header.state_root


@internal
@pure
def _compress(point: Bytes[128]) -> Bytes[48]:
    """A G1 point (EIP-2537) in zkpov's compressed encoding: x with the compression flag, and
    the sign flag when y is the larger of y and p - y."""
    y_hi: uint256 = convert(slice(point, 80, 16), uint256)
    y_lo: uint256 = convert(slice(point, 96, 32), uint256)
    flags: uint256 = 128
    if y_hi > HALF_P_HI or (y_hi == HALF_P_HI and y_lo > HALF_P_LO):
        flags = 160
    first: uint256 = convert(slice(point, 16, 1), uint256) | flags
    return concat(convert(convert(first, uint8), bytes1), slice(point, 17, 47))


@internal
@view
def _check_records(next_set: Bytes[MAX_NEXT_BYTES], records: Bytes[MAX_RECORD_BYTES]) -> uint256:
    """The records are next_set's validators, in order, each key on the curve; their stake."""
    n: uint256 = len(records) // RECORD
    assert n > 0 and len(records) == n * RECORD and len(next_set) == n * NEXT_ITEM, "next set and its records differ in size"
    total: uint256 = 0
    for i: uint256 in range(n, bound=MAX_VALIDATORS):
        point: Bytes[128] = slice(records, i * RECORD, 128)
        stake: uint256 = convert(slice(records, i * RECORD + 128, 32), uint256)
        assert stake > 0 and stake == convert(slice(next_set, i * NEXT_ITEM + 48, 16), uint256), "a record's stake is not the next set's"
        assert slice(next_set, i * NEXT_ITEM, 48) == self._compress(point), "a record's key is not the next set's"
        doubled: Bytes[128] = raw_call(G1ADD, concat(point, point), max_outsize=128, is_static_call=True)
        assert len(doubled) == 128, "a record's key is not on the curve"
        total += stake
    return total


@internal
@view
def _follow_suffix(header: Header, suffix: DynArray[Header, MAX_SUFFIX]) -> Header:
    """The header the suffix leads to from the ending header (itself when empty)."""
    last: Header = header
    for child: Header in suffix:
        assert child.parent_id == self._header_id(last) and child.height == last.height + 1, "suffix does not link the ending header"
        assert child.epoch == header.epoch and len(child.next_validator_set_commitment) == 0, "suffix leaves the epoch"
        last = child
    return last


@internal
@view
def _quorum(total: uint256) -> uint256:
    """zkpov's compute_quorum_power: over 2/3 of total, and at least the finality threshold."""
    bft: uint256 = total * 2 // 3 + 1
    threshold: uint256 = (total * self.threshold_num + self.threshold_den - 1) // self.threshold_den
    return min(total, max(bft, threshold))


@external
def submit_epoch_change(header: Header, suffix: DynArray[Header, MAX_SUFFIX], qc: QC, validators: Bytes[MAX_RECORD_BYTES], next_set: Bytes[MAX_NEXT_BYTES], next_validators: Bytes[MAX_RECORD_BYTES]):
    """Adopts the set the stored epoch's ending header names, once qc (of the stored set,
    validators) commits it or the suffix after it. next_set: the body of the header's
    commitment (per validator its key compressed, 48 bytes, and its stake, 16 bytes);
    next_validators: the same validators as records."""
    assert header.epoch == self.epoch, "QC or header from another epoch"
    assert header.validator_set_commitment == self.header_set_commitment, "header commits to another validator set"
    assert len(header.next_validator_set_commitment) == 32, "header names no next set"
    named: bytes32 = convert(header.next_validator_set_commitment, bytes32)
    body: Bytes[MAX_NEXT_BYTES + $set_tag_size + 8] = concat(SET_TAG, convert(header.epoch + 1, bytes8), next_set)
    assert sha256(body) == named, "next set does not match the header's commitment"
    total: uint256 = self._check_records(next_set, next_validators)
    self._check_commit(self._follow_suffix(header, suffix), qc, validators)
    self.epoch = header.epoch + 1
    self.validator_commitment = keccak256(next_validators)
    self.header_set_commitment = named
    self.total_stake = total
    self.quorum_power = self._quorum(total)
    log EpochChanged(epoch=self.epoch, header_set_commitment=named, total_stake=total)
