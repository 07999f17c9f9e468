//! Proving-key bytes for the on-disk key cache: arkworks' uncompressed encoding (no square roots
//! to take on load). The file's SHA-256 is unkeyed, so a swapped-in key with a recomputed hash
//! must still be valid points:
//! * the verifying key inside (what this node checks every proof against) and `beta_g1`,
//!   `delta_g1` get arkworks' full check (`Valid::check`, what `Validate::Yes` runs): on the curve
//!   and in the prime-order subgroup;
//! * the query vectors (some 290k points at batch 2, depth 32) are checked on the curve only, on
//!   rayon's pool. Subgroup-checking them too took 12-24 s there (0.04-0.09 s unchecked), longer
//!   than the insecure setup the cache saves, and protects nothing: a bad query point can only
//!   spoil this node's own proofs, and `groth16::prove` checks each proof against the verifying
//!   key before it leaves.
//!
//! This decoder checks every length prefix against the bytes that remain before arkworks
//! allocates, so a corrupt file is a `DecodeError`, never an abort.
#![forbid(unsafe_code)]

use crate::error::{decode_err, CoreResult};
use ark_bls12_381::Bls12_381;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_groth16::ProvingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Valid, Validate};
use rayon::prelude::*;

const G1: usize = 96;
const G2: usize = 192;
/// Most bytes a proving key may take (a constant cap on decoded lengths): 4 GiB.
pub const MAX_PROVING_KEY_BYTES: usize = 1 << 32;

/// The uncompressed layout: fixed points, then vectors of points behind 8-byte lengths.
enum Part {
    Points(usize),
    Vector(usize),
}

const LAYOUT: [Part; 8] = [
    Part::Points(G1 + 3 * G2), // vk: alpha_g1, beta_g2, gamma_g2, delta_g2
    Part::Vector(G1),          // vk.gamma_abc_g1
    Part::Points(2 * G1),      // beta_g1, delta_g1
    Part::Vector(G1),          // a_query
    Part::Vector(G1),          // b_g1_query
    Part::Vector(G2),          // b_g2_query
    Part::Vector(G1),          // h_query
    Part::Vector(G1),          // l_query
];

fn take(bytes: &[u8], pos: usize, n: usize) -> CoreResult<usize> {
    let end = pos.checked_add(n).filter(|e| *e <= bytes.len());
    end.ok_or_else(|| decode_err("proving key is truncated or a length prefix is too large"))
}

/// Checks that the length prefixes describe exactly `bytes`.
fn check_layout(bytes: &[u8]) -> CoreResult<()> {
    let mut pos = 0usize;
    for part in &LAYOUT {
        pos = match part {
            Part::Points(n) => take(bytes, pos, *n)?,
            Part::Vector(size) => {
                let end = take(bytes, pos, 8)?;
                let len = u64::from_le_bytes(bytes[pos..end].try_into().expect("8 bytes"));
                let n = usize::try_from(len).ok().and_then(|l| l.checked_mul(*size));
                take(
                    bytes,
                    end,
                    n.ok_or_else(|| decode_err("proving key length prefix overflows"))?,
                )?
            }
        };
    }
    if pos != bytes.len() {
        return Err(decode_err("proving key has trailing bytes"));
    }
    Ok(())
}

pub fn encode_proving_key(pk: &ProvingKey<Bls12_381>) -> Vec<u8> {
    let mut out = Vec::with_capacity(pk.serialized_size(Compress::No));
    pk.serialize_uncompressed(&mut out)
        .expect("in-memory write");
    out
}

/// Decodes cache bytes (see the module docs for what is and is not checked).
pub fn decode_proving_key(bytes: &[u8]) -> CoreResult<ProvingKey<Bls12_381>> {
    if bytes.len() > MAX_PROVING_KEY_BYTES {
        return Err(decode_err("proving key is larger than 4 GiB"));
    }
    check_layout(bytes)?;
    let pk = ProvingKey::deserialize_with_mode(bytes, Compress::No, Validate::No)
        .map_err(|e| decode_err(format!("proving key does not decode: {e}")))?;
    check_points(&pk)?;
    Ok(pk)
}

fn all_on_curve<P: SWCurveConfig>(points: &[Affine<P>]) -> bool {
    points.par_iter().all(|p| p.is_on_curve())
}

/// The checks the module docs describe.
fn check_points(pk: &ProvingKey<Bls12_381>) -> CoreResult<()> {
    let fixed = [pk.vk.check(), pk.beta_g1.check(), pk.delta_g1.check()];
    if fixed.iter().any(|r| r.is_err()) {
        return Err(decode_err(
            "proving key's verifying key, beta or delta is not in the prime-order subgroups",
        ));
    }
    let g1 = [&pk.a_query, &pk.b_g1_query, &pk.h_query, &pk.l_query];
    if !g1.iter().all(|v| all_on_curve(v)) || !all_on_curve(&pk.b_g2_query) {
        return Err(decode_err("proving key has a query point off the curve"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::{Fq, G1Affine, G2Affine};
    use ark_ec::AffineRepr;
    use ark_groth16::VerifyingKey;

    fn small_key() -> ProvingKey<Bls12_381> {
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        let vk = VerifyingKey {
            alpha_g1: g1,
            beta_g2: g2,
            gamma_g2: g2,
            delta_g2: g2,
            gamma_abc_g1: vec![g1; 4],
        };
        ProvingKey {
            vk,
            beta_g1: g1,
            delta_g1: g1,
            a_query: vec![g1; 3],
            b_g1_query: vec![g1; 3],
            b_g2_query: vec![g2; 3],
            h_query: vec![g1; 2],
            l_query: vec![g1; 2],
        }
    }

    #[test]
    fn round_trips_and_rejects_bad_lengths_before_allocating() {
        let pk = small_key();
        let bytes = encode_proving_key(&pk);
        assert_eq!(decode_proving_key(&bytes).unwrap(), pk);
        assert!(decode_proving_key(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_proving_key(&longer).is_err());
        let prefix_at = G1 + 3 * G2;
        let mut huge = bytes.clone();
        huge[prefix_at..prefix_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(decode_proving_key(&huge).is_err());
    }

    #[test]
    fn rejects_points_off_the_curve_or_outside_the_subgroup() {
        let bytes = encode_proving_key(&small_key());
        // delta_g1 sits after the vk (its fixed points, then 8 + 4 * G1 bytes) and beta_g1.
        let at = G1 + 3 * G2 + 8 + 4 * G1 + G1;
        let mut off_curve = bytes.clone();
        off_curve[at + 10] ^= 1; // the x coordinate changes, y does not follow
        assert!(decode_proving_key(&off_curve).is_err());
        // A point of G1's curve outside the prime-order subgroup: x = 0 gives y^2 = 4, y = 2.
        let mut outside = bytes.clone();
        let mut point = Vec::new();
        G1Affine::new_unchecked(Fq::from(0u64), Fq::from(2u64))
            .serialize_uncompressed(&mut point)
            .unwrap();
        assert!(!G1Affine::new_unchecked(Fq::from(0u64), Fq::from(2u64))
            .is_in_correct_subgroup_assuming_on_curve());
        outside[at..at + G1].copy_from_slice(&point);
        let err = decode_proving_key(&outside).unwrap_err().to_string();
        assert!(err.contains("subgroup"), "{err}");
        // The first a_query point (after delta_g1 and its vector's length).
        let mut off_query = bytes.clone();
        off_query[at + G1 + 8 + 10] ^= 1;
        let err = decode_proving_key(&off_query).unwrap_err().to_string();
        assert!(err.contains("off the curve"), "{err}");
    }
}
