//! Schnorr signatures over Jubjub (`ark_ed_on_bls12_381`) with a Poseidon challenge, the account
//! signature scheme. The circuit verifies the same equation (`circuits::schnorr`).
//!
//! * Keys: `sk` is a Jubjub scalar in `[1, r_J)` drawn from the OS RNG; `pk = sk * G` with `G` the
//!   arkworks prime-order generator. A public key is 32 bytes: arkworks' compressed Edwards
//!   encoding (y, with the sign of x in the top bit); decoding checks the curve, the prime-order
//!   subgroup, and rejects the identity.
//! * Messages are BLS12-381 scalars (= the Jubjub base field), so the circuit hashes them natively.
//! * Sign: `k = SHA-512("zkpov/schnorr/nonce" || sk || m) mod r_J` (deterministic, as EdDSA),
//!   `R = k * G`, `c = poseidon::hash_n([R.x, R.y, A.x, A.y, m])`, `s = k + (c mod r_J) * sk`.
//! * Signature: 64 bytes, compressed `R` then `s` as 32 little-endian bytes (canonical, `< r_J`).
//! * Verify: `s * G - c * A == R`.
#![forbid(unsafe_code)]

use crate::error::{decode_err, CoreResult};
use crate::poseidon;
use crate::subgroup;
use ark_bls12_381::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ed_on_bls12_381::{EdwardsAffine, EdwardsProjective, Fr as JubjubScalar};
use ark_ff::{BigInteger, PrimeField, UniformRand, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use sha2::{Digest, Sha512};

pub const SECRET_KEY_BYTES: usize = 32;
pub const PUBLIC_KEY_BYTES: usize = 32;
pub const SIGNATURE_BYTES: usize = 64;
const NONCE_DST: &[u8] = b"zkpov/schnorr/nonce";

/// A verified signature's parts: the commitment point and the response scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    pub r: EdwardsAffine,
    pub s: JubjubScalar,
}

/// The generator of the prime-order subgroup.
pub fn generator() -> EdwardsAffine {
    EdwardsAffine::generator()
}

/// A fresh secret key from the OS RNG.
pub fn generate_secret_key() -> JubjubScalar {
    let mut rng = rand::rngs::OsRng;
    loop {
        let sk = JubjubScalar::rand(&mut rng);
        if !sk.is_zero() {
            return sk;
        }
    }
}

/// `sk * G`.
pub fn compute_public_key(sk: &JubjubScalar) -> EdwardsAffine {
    (generator() * sk).into_affine()
}

/// The challenge scalar `c` as a BLS12-381 scalar (the circuit uses all 255 bits of it).
pub fn compute_challenge(r: &EdwardsAffine, pk: &EdwardsAffine, msg: Fr) -> Fr {
    poseidon::hash_n(&[r.x, r.y, pk.x, pk.y, msg])
}

/// The challenge reduced into the Jubjub scalar field.
pub fn challenge_scalar(c: &Fr) -> JubjubScalar {
    JubjubScalar::from_le_bytes_mod_order(&c.into_bigint().to_bytes_le())
}

fn derive_nonce(sk: &JubjubScalar, msg: Fr) -> JubjubScalar {
    let mut h = Sha512::new();
    h.update(NONCE_DST);
    h.update(sk.into_bigint().to_bytes_le());
    h.update(msg.into_bigint().to_bytes_le());
    JubjubScalar::from_le_bytes_mod_order(&h.finalize())
}

/// Signs a field-element message.
pub fn sign(sk: &JubjubScalar, msg: Fr) -> Signature {
    let pk = compute_public_key(sk);
    let k = derive_nonce(sk, msg);
    let r = (generator() * k).into_affine();
    let c = challenge_scalar(&compute_challenge(&r, &pk, msg));
    Signature { r, s: k + c * sk }
}

/// True iff `s * G - c * pk == R`.
pub fn is_valid_signature(pk: &EdwardsAffine, msg: Fr, sig: &Signature) -> bool {
    let c = challenge_scalar(&compute_challenge(&sig.r, pk, msg));
    let lhs: EdwardsProjective = generator() * sig.s - *pk * c;
    lhs.into_affine() == sig.r
}

/// 32 little-endian bytes of a scalar.
pub fn encode_secret_key(sk: &JubjubScalar) -> [u8; SECRET_KEY_BYTES] {
    let mut out = [0u8; SECRET_KEY_BYTES];
    out.copy_from_slice(&sk.into_bigint().to_bytes_le());
    out
}

fn decode_scalar(what: &str, bytes: &[u8]) -> CoreResult<JubjubScalar> {
    if bytes.len() != 32 {
        return Err(decode_err(format!(
            "{what} must be 32 bytes, got {}",
            bytes.len()
        )));
    }
    let value = JubjubScalar::deserialize_compressed(bytes)
        .map_err(|_| decode_err(format!("{what} is not below the Jubjub group order")))?;
    Ok(value)
}

/// A secret key: 32 little-endian bytes in `[1, r_J)`.
pub fn decode_secret_key(bytes: &[u8]) -> CoreResult<JubjubScalar> {
    let sk = decode_scalar("secret key", bytes)?;
    if sk.is_zero() {
        return Err(decode_err("secret key must not be zero"));
    }
    Ok(sk)
}

/// The 32-byte compressed encoding of a point.
pub fn encode_point(p: &EdwardsAffine) -> [u8; PUBLIC_KEY_BYTES] {
    let mut out = [0u8; PUBLIC_KEY_BYTES];
    p.serialize_compressed(&mut out[..])
        .expect("32-byte buffer");
    out
}

/// A compressed point on the curve and in the prime-order subgroup.
pub fn decode_point(what: &str, bytes: &[u8]) -> CoreResult<EdwardsAffine> {
    if bytes.len() != PUBLIC_KEY_BYTES {
        return Err(decode_err(format!(
            "{what} must be 32 bytes, got {}",
            bytes.len()
        )));
    }
    let outside = || {
        decode_err(format!(
            "{what} is not a compressed Jubjub point in the prime-order subgroup"
        ))
    };
    // Unchecked: the canonical `y` and the square root (so the curve) are still checked; the
    // subgroup check is the Tate-pairing one, the same answer as arkworks' `[r] P == O`.
    let p = EdwardsAffine::deserialize_compressed_unchecked(bytes).map_err(|_| outside())?;
    if p.is_on_curve() && subgroup::is_in_prime_subgroup(&p) {
        return Ok(p);
    }
    Err(outside())
}

/// A public key: a subgroup point other than the identity.
pub fn decode_public_key(bytes: &[u8]) -> CoreResult<EdwardsAffine> {
    let pk = decode_point("public key", bytes)?;
    if pk.is_zero() {
        return Err(decode_err("public key must not be the identity"));
    }
    Ok(pk)
}

/// `R || s`, 64 bytes.
pub fn encode_signature(sig: &Signature) -> [u8; SIGNATURE_BYTES] {
    let mut out = [0u8; SIGNATURE_BYTES];
    out[..32].copy_from_slice(&encode_point(&sig.r));
    out[32..].copy_from_slice(&sig.s.into_bigint().to_bytes_le());
    out
}

/// Decodes `R || s` (subgroup point, canonical scalar).
pub fn decode_signature(bytes: &[u8]) -> CoreResult<Signature> {
    if bytes.len() != SIGNATURE_BYTES {
        return Err(decode_err(format!(
            "signature must be 64 bytes, got {}",
            bytes.len()
        )));
    }
    let r = decode_point("signature R", &bytes[..32])?;
    let s = decode_scalar("signature s", &bytes[32..])?;
    Ok(Signature { r, s })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_round_trip() {
        let sk = generate_secret_key();
        let pk = compute_public_key(&sk);
        let sig = sign(&sk, Fr::from(42u64));
        assert!(is_valid_signature(&pk, Fr::from(42u64), &sig));
        assert!(!is_valid_signature(&pk, Fr::from(43u64), &sig));
        let other = compute_public_key(&generate_secret_key());
        assert!(!is_valid_signature(&other, Fr::from(42u64), &sig));
    }

    #[test]
    fn encodings_round_trip_and_reject_garbage() {
        let sk = generate_secret_key();
        assert_eq!(decode_secret_key(&encode_secret_key(&sk)).unwrap(), sk);
        let sig = sign(&sk, Fr::from(1u64));
        assert_eq!(decode_signature(&encode_signature(&sig)).unwrap(), sig);
        assert!(decode_secret_key(&[0u8; 32]).is_err());
        assert!(decode_secret_key(&[0xffu8; 32]).is_err());
        assert!(decode_public_key(&encode_point(&EdwardsAffine::zero())).is_err());
        assert!(decode_signature(&[0u8; 63]).is_err());
    }

    #[test]
    fn decode_point_agrees_with_arkworks_checked_decoding() {
        use ark_ec::PrimeGroup;
        use rand::RngCore;
        let mut rng = rand::rngs::OsRng;
        let mut inputs: Vec<[u8; 32]> = (0..3000)
            .map(|_| {
                let mut b = [0u8; 32];
                rng.fill_bytes(&mut b);
                b
            })
            .collect();
        let g = EdwardsProjective::generator() * generate_secret_key();
        for y in 2u64..200 {
            let torsioned = EdwardsAffine::get_point_from_y_unchecked(Fr::from(y), false);
            inputs.extend(torsioned.map(|t| encode_point(&(g + t).into_affine())));
        }
        let mut accepted = 0;
        for bytes in &inputs {
            let want = EdwardsAffine::deserialize_compressed(&bytes[..]).ok();
            assert_eq!(decode_point("p", bytes).ok(), want, "{bytes:?}");
            accepted += want.is_some() as usize;
        }
        assert!(accepted > 100, "{accepted}");
    }

    #[test]
    fn signing_is_deterministic() {
        let sk = generate_secret_key();
        assert_eq!(sign(&sk, Fr::from(7u64)), sign(&sk, Fr::from(7u64)));
    }
}
