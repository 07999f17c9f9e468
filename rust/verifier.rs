//! Groth16 verification with blst's pairing (about twice arkworks' speed for Miller loops, point
//! decompression and subgroup checks), through blst's safe Rust API only.
//!
//! Proof bytes are arkworks' compressed encoding, which for BLS12-381 is the ZCash format blst
//! reads: `A` and `C` decode as G1 points, `B` as a G2 point, each checked to be on the curve,
//! in the prime-order subgroup and not the identity (`DecodeError` otherwise).
//!
//! * `verify`: `e(A, B) * e(IC, -gamma) * e(C, -delta) == e(alpha, beta)`, three Miller loops and
//!   one final exponentiation against the precomputed Miller loop of `(alpha, beta)`.
//! * `batch_verify`: with random 128-bit weights `w_i`,
//!   `prod e(w_i A_i, B_i) * e(sum w_i IC_i, -gamma) * e(sum w_i C_i, -delta)
//!   == e(alpha, beta)^(sum w_i)`: n + 2 Miller loops and one final exponentiation (the power is
//!   taken of the precomputed Miller loop value). A bad proof passes with chance 2^-128.
#![forbid(unsafe_code)]

use crate::error::{decode_err, CoreError, CoreResult};
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::One;
use ark_ff::{BigInteger, PrimeField, UniformRand};
use ark_groth16::VerifyingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use blst::min_pk::{PublicKey as G1Point, Signature as G2Point};
use blst::{blst_fp12, blst_p1_affine, blst_p2_affine};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;

pub const PROOF_BYTES: usize = 192;

/// A verifying key in blst form plus the arkworks key (for the public-input combination).
pub struct FastVerifyingKey {
    vk: VerifyingKey<Bls12_381>,
    neg_gamma: blst_p2_affine,
    neg_delta: blst_p2_affine,
    alpha_beta: blst_fp12,
}

/// A decoded, validated proof.
#[derive(Clone, Copy)]
pub struct FastProof {
    a: blst_p1_affine,
    b: blst_p2_affine,
    c: blst_p1_affine,
}

fn internal(what: &str) -> CoreError {
    CoreError::Verification(format!("cannot convert {what} to blst"))
}

fn g1_to_blst(p: &G1Affine) -> CoreResult<blst_p1_affine> {
    let mut buf = [0u8; 96];
    p.serialize_uncompressed(&mut buf[..])
        .map_err(|_| internal("G1 point"))?;
    G1Point::deserialize(&buf)
        .map(Into::into)
        .map_err(|_| internal("G1 point"))
}

fn g2_to_blst(p: &G2Affine) -> CoreResult<blst_p2_affine> {
    let mut buf = [0u8; 192];
    p.serialize_uncompressed(&mut buf[..])
        .map_err(|_| internal("G2 point"))?;
    G2Point::deserialize(&buf)
        .map(Into::into)
        .map_err(|_| internal("G2 point"))
}

fn g1_from_blst(p: &blst_p1_affine) -> CoreResult<G1Affine> {
    let bytes = G1Point::from(*p).serialize();
    G1Affine::deserialize_uncompressed_unchecked(&bytes[..]).map_err(|_| internal("G1 point"))
}

impl FastVerifyingKey {
    pub fn new(vk: &VerifyingKey<Bls12_381>) -> CoreResult<Self> {
        let neg_gamma = g2_to_blst(&(-vk.gamma_g2.into_group()).into_affine())?;
        let neg_delta = g2_to_blst(&(-vk.delta_g2.into_group()).into_affine())?;
        let alpha_beta =
            blst_fp12::miller_loop(&g2_to_blst(&vk.beta_g2)?, &g1_to_blst(&vk.alpha_g1)?);
        Ok(FastVerifyingKey {
            vk: vk.clone(),
            neg_gamma,
            neg_delta,
            alpha_beta,
        })
    }

    pub fn verifying_key(&self) -> &VerifyingKey<Bls12_381> {
        &self.vk
    }

    fn check_inputs(&self, n: usize) -> CoreResult<()> {
        if self.vk.gamma_abc_g1.len() != n + 1 {
            let want = self.vk.gamma_abc_g1.len() - 1;
            return Err(CoreError::Verification(format!(
                "key takes {want} public inputs, got {n}"
            )));
        }
        Ok(())
    }

    /// `sum_i w_i * IC(inputs_i)` as one multi-scalar multiplication over the input points.
    fn combine_inputs(&self, inputs: &[&[Fr]], w: &[Fr]) -> CoreResult<blst_p1_affine> {
        let mut scalars = vec![w.iter().sum::<Fr>()];
        for j in 0..self.vk.gamma_abc_g1.len() - 1 {
            scalars.push(inputs.iter().zip(w).map(|(x, wi)| x[j] * wi).sum());
        }
        let ic =
            G1Projective::msm(&self.vk.gamma_abc_g1, &scalars).map_err(|_| internal("inputs"))?;
        g1_to_blst(&ic.into_affine())
    }
}

fn decode_g1(what: &str, bytes: &[u8]) -> CoreResult<blst_p1_affine> {
    let p = G1Point::uncompress(bytes).map_err(|e| decode_err(format!("proof {what}: {e:?}")))?;
    p.validate()
        .map_err(|e| decode_err(format!("proof {what}: {e:?}")))?;
    Ok(p.into())
}

/// Decodes 192 bytes `A || B || C` (compressed, ZCash flags) with subgroup checks.
pub fn decode_proof(bytes: &[u8]) -> CoreResult<FastProof> {
    if bytes.len() != PROOF_BYTES {
        return Err(decode_err(format!(
            "proof must be {PROOF_BYTES} bytes, got {}",
            bytes.len()
        )));
    }
    let b =
        G2Point::uncompress(&bytes[48..144]).map_err(|e| decode_err(format!("proof B: {e:?}")))?;
    b.validate(true)
        .map_err(|e| decode_err(format!("proof B: {e:?}")))?;
    let (a, c) = (
        decode_g1("A", &bytes[..48])?,
        decode_g1("C", &bytes[144..])?,
    );
    Ok(FastProof { a, b: b.into(), c })
}

/// One proof: three Miller loops, one final exponentiation.
pub fn verify(key: &FastVerifyingKey, inputs: &[Fr], proof: &FastProof) -> CoreResult<bool> {
    key.check_inputs(inputs.len())?;
    let ic = key.combine_inputs(&[inputs], &[Fr::one()])?;
    let qs = [proof.b, key.neg_gamma, key.neg_delta];
    let ps = [proof.a, ic, proof.c];
    Ok(blst_fp12::finalverify(
        &blst_fp12::miller_loop_n(&qs, &ps),
        &key.alpha_beta,
    ))
}

/// `base^e` by square-and-multiply (on Miller-loop values, before the final exponentiation).
fn pow(base: &blst_fp12, e: &Fr) -> blst_fp12 {
    let bits = e.into_bigint().to_bits_be();
    bits.iter()
        .skip_while(|b| !**b)
        .fold(blst_fp12::default(), |acc, bit| {
            let sq = acc * acc;
            if *bit {
                sq * *base
            } else {
                sq
            }
        })
}

/// Random-linear-combination batch verification (see the module docs).
pub fn batch_verify(key: &FastVerifyingKey, items: &[(Vec<Fr>, FastProof)]) -> CoreResult<bool> {
    if items.is_empty() {
        return Err(CoreError::InvalidArgument(
            "batch_verify needs at least one proof".into(),
        ));
    }
    items
        .iter()
        .try_for_each(|(x, _)| key.check_inputs(x.len()))?;
    let mut rng = ChaCha20Rng::from_rng(rand::rngs::OsRng)
        .map_err(|e| CoreError::Verification(e.to_string()))?;
    let w: Vec<Fr> = (0..items.len())
        .map(|_| Fr::from(u128::rand(&mut rng)))
        .collect();
    let weighted: Vec<(blst_p1_affine, G1Affine)> = items
        .par_iter()
        .zip(&w)
        .map(|((_, p), wi)| {
            let a = g1_from_blst(&p.a)?;
            Ok((g1_to_blst(&(a * wi).into_affine())?, g1_from_blst(&p.c)?))
        })
        .collect::<CoreResult<_>>()?;
    let cs: Vec<G1Affine> = weighted.iter().map(|(_, c)| *c).collect();
    let sum_c = G1Projective::msm(&cs, &w)
        .map_err(|_| internal("C"))?
        .into_affine();
    let inputs: Vec<&[Fr]> = items.iter().map(|(x, _)| x.as_slice()).collect();
    let mut ps: Vec<blst_p1_affine> = weighted.iter().map(|(a, _)| *a).collect();
    let mut qs: Vec<blst_p2_affine> = items.iter().map(|(_, p)| p.b).collect();
    ps.extend([key.combine_inputs(&inputs, &w)?, g1_to_blst(&sum_c)?]);
    qs.extend([key.neg_gamma, key.neg_delta]);
    let expected = pow(&key.alpha_beta, &w.iter().sum());
    Ok(blst_fp12::finalverify(
        &blst_fp12::miller_loop_n(&qs, &ps),
        &expected,
    ))
}
