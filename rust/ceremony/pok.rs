//! A proof of knowledge of one secret `x`, bound to the parent transcript hash: a random
//! `s` in G1 with `s*x`, and `r*x` for `r = hash_to_G2(parent || tag)` (RFC 9380,
//! BLS12381G2_XMD:SHA-256_SSWU_RO_ with our DST). `e(s, r*x) = e(s*x, r)` shows the same `x` in
//! both; only someone who knows `x` can make `r*x` for an `r` fixed by the parent (the knowledge
//! assumption the Zcash ceremonies rest on), so a contribution cannot copy another's or reuse
//! one made against another parent.
#![forbid(unsafe_code)]

use super::points::{write_points, Identity, Reader};
use super::ratio::is_same_ratio;
use super::secret::Secret;
use crate::error::{CoreError, CoreResult};
use ark_bls12_381::{g2, G1Affine, G2Affine, G2Projective};
use ark_ec::hashing::curve_maps::wb::WBMap;
use ark_ec::hashing::map_to_curve_hasher::MapToCurveBasedHasher;
use ark_ec::hashing::HashToCurve;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::field_hashers::DefaultFieldHasher;
use rand::Rng;
use sha2::Sha256;

pub const POK_DST: &[u8] = b"ZKPOV-CEREMONY-V1_BLS12381G2_XMD:SHA-256_SSWU_RO_";
/// Uncompressed `s || s*x || r*x`.
pub const POK_BYTES: usize = 96 + 96 + 192;

/// Which secret a proof is for (part of the hashed message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    Tau = 0,
    Alpha = 1,
    Beta = 2,
    Delta = 3,
}

/// `hash_to_G2(parent || tag)`.
pub fn compute_challenge(parent: &[u8; 32], tag: Tag) -> CoreResult<G2Affine> {
    type Hasher =
        MapToCurveBasedHasher<G2Projective, DefaultFieldHasher<Sha256, 128>, WBMap<g2::Config>>;
    let fail = |e| CoreError::Ceremony(format!("hash to G2 failed: {e}"));
    let mut msg = parent.to_vec();
    msg.push(tag as u8);
    Hasher::new(POK_DST).map_err(fail)?.hash(&msg).map_err(fail)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pok {
    pub s: G1Affine,
    pub s_x: G1Affine,
    pub r_x: G2Affine,
}

impl Pok {
    pub fn new<R: Rng>(x: &Secret, parent: &[u8; 32], tag: Tag, rng: &mut R) -> CoreResult<Pok> {
        let k = Secret::sample(rng);
        let s = (G1Affine::generator() * k.value()).into_affine();
        let r = compute_challenge(parent, tag)?;
        Ok(Pok {
            s,
            s_x: (s * x.value()).into_affine(),
            r_x: (r * x.value()).into_affine(),
        })
    }

    /// The challenge `r` when the proof holds for this parent and tag; `None` otherwise.
    pub fn check(&self, parent: &[u8; 32], tag: Tag) -> CoreResult<Option<G2Affine>> {
        let r = compute_challenge(parent, tag)?;
        Ok(is_same_ratio((self.s, self.s_x), (r, self.r_x)).then_some(r))
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        write_points(out, &[self.s, self.s_x]);
        write_points(out, &[self.r_x]);
    }

    pub fn decode(reader: &mut Reader<'_>) -> CoreResult<Pok> {
        let g1: Vec<G1Affine> = reader.points(2, Identity::Refused)?;
        Ok(Pok {
            s: g1[0],
            s_x: g1[1],
            r_x: reader.point(Identity::Refused)?,
        })
    }
}

/// Several proofs as bytes (a phase-1 contribution has three, a phase-2 one).
pub fn encode_poks(poks: &[Pok]) -> Vec<u8> {
    let mut out = Vec::with_capacity(poks.len() * POK_BYTES);
    poks.iter().for_each(|p| p.encode(&mut out));
    out
}

pub fn decode_poks(bytes: &[u8], count: usize) -> CoreResult<Vec<Pok>> {
    if bytes.len() != count * POK_BYTES {
        return Err(crate::error::decode_err(format!(
            "proofs of knowledge must be {} bytes, got {}",
            count * POK_BYTES,
            bytes.len()
        )));
    }
    let mut reader = Reader::new(bytes, "proof of knowledge");
    let poks = (0..count)
        .map(|_| Pok::decode(&mut reader))
        .collect::<CoreResult<Vec<_>>>()?;
    reader.finish()?;
    Ok(poks)
}
