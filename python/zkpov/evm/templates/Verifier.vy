# pragma version 0.4.3
"""
@title zkpov Groth16 verifier over BLS12-381 (EIP-2537 precompiles)
@notice Circuit $circuit_id, verifying key SHA-256 $key_sha256.
        Rendered by zkpov.evm from its Verifier.vy template; do not edit the constants by hand.
@dev verify(proof, inputs): proof is A (G1, 128 bytes) || B (G2, 256) || C (G1, 128) in the
     EIP-2537 encoding; inputs are the circuit's public inputs, each below r. Returns whether
     e(A, B) * e(alpha, -beta) * e(vk_x, -gamma) * e(C, -delta) == 1; reverts on malformed
     input and on any precompile failure (never returns False for those).
"""

N_INPUTS: constant(uint256) = $n_inputs
R: constant(uint256) = $scalar_modulus
G1ADD: constant(address) = 0x000000000000000000000000000000000000000b
G1MSM: constant(address) = 0x000000000000000000000000000000000000000C
PAIRING: constant(address) = 0x000000000000000000000000000000000000000F
ZERO_G1_HASH: constant(bytes32) = $zero_g1_hash
ZERO_G2_HASH: constant(bytes32) = $zero_g2_hash

ALPHA: constant(Bytes[128]) = x"$alpha"
NEG_BETA: constant(Bytes[256]) = x"$neg_beta"
NEG_GAMMA: constant(Bytes[256]) = x"$neg_gamma"
NEG_DELTA: constant(Bytes[256]) = x"$neg_delta"
IC0: constant(Bytes[128]) = x"$ic0"
$ic_constants

@internal
@view
def _vk_x(inputs: DynArray[uint256, N_INPUTS]) -> Bytes[128]:
    msm: Bytes[128] = raw_call(G1MSM, $msm_input, max_outsize=128, is_static_call=True)
    assert len(msm) == 128, "G1 MSM failed"
    vk_x: Bytes[128] = raw_call(G1ADD, concat(IC0, msm), max_outsize=128, is_static_call=True)
    assert len(vk_x) == 128, "G1 add failed"
    return vk_x


@external
@view
def verify(proof: Bytes[512], inputs: DynArray[uint256, N_INPUTS]) -> bool:
    assert len(proof) == 512, "proof must be 512 bytes"
    assert len(inputs) == N_INPUTS, "wrong number of public inputs"
    for x: uint256 in inputs:
        assert x < R, "public input not below r"
    a: Bytes[128] = slice(proof, 0, 128)
    b: Bytes[256] = slice(proof, 128, 256)
    c: Bytes[128] = slice(proof, 384, 128)
    assert keccak256(a) != ZERO_G1_HASH, "A is the point at infinity"
    assert keccak256(b) != ZERO_G2_HASH, "B is the point at infinity"
    assert keccak256(c) != ZERO_G1_HASH, "C is the point at infinity"
    pairs: Bytes[1536] = concat(a, b, ALPHA, NEG_BETA, self._vk_x(inputs), NEG_GAMMA, c, NEG_DELTA)
    ok: Bytes[32] = raw_call(PAIRING, pairs, max_outsize=32, is_static_call=True)
    assert len(ok) == 32, "pairing check failed"
    return convert(ok, uint256) == 1
