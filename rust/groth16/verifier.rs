//! Groth16 verification with blst's pairing (about twice arkworks' speed for Miller loops, point
//! decompression and subgroup checks). blst's C calls that its safe API lacks live in
//! `crate::blst_raw`; this module has no `unsafe`.
//!
//! Proof bytes are arkworks' compressed encoding, which for BLS12-381 is the ZCash format blst
//! reads: `A` and `C` decode as G1 points, `B` as a G2 point, each checked to be on the curve,
//! in the prime-order subgroup and not the identity (`DecodeError` otherwise).
//!
//! * `verify`: `e(A, B) * e(IC, -gamma) * e(C, -delta) == e(alpha, beta)`, three Miller loops and
//!   one final exponentiation against the precomputed Miller loop of `(alpha, beta)`, all on the
//!   calling thread. `IC = sum_j x_j gamma_abc_j` (with `x_0 = 1`) comes from a fixed-base table.
//! * `batch_verify`: with weights `w_i` that sum to one,
//!   `prod e(w_i A_i, B_i) * e(sum w_i IC_i, -gamma) * e(sum w_i C_i, -delta) == e(alpha, beta)`:
//!   n + 2 Miller loops and one final exponentiation, with no exponentiation of the right side.
//!   `w_1..w_{n-1}` are independent 128-bit values from the OS RNG and `w_n = 1 - sum of the
//!   others` (mod r). Soundness: write `E_i` for proof i's error term in GT (`E_i = 1` iff it
//!   verifies alone). The check is `prod_{i<n} (E_i / E_n)^{w_i} * E_n = 1`. If some `E_i != E_n`
//!   that element has order r, so a fixed product passes for at most one `w_i` in 2^128; if all
//!   `E_i` equal `E_n`, the check is `E_n = 1`. A batch with a bad proof passes with chance
//!   at most 2^-128. The weighted Miller loops run in chunks on rayon's pool, beside one
//!   Pippenger for `sum w_i C_i`.
#![forbid(unsafe_code)]

use super::msm::BlstCurve;
use crate::blst_raw::{self, FixedBaseTable, Scalar};
use crate::error::{decode_err, CoreError, CoreResult};
use ark_bls12_381::{Bls12_381, Fr};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField, UniformRand};
use ark_groth16::VerifyingKey;
use blst::min_pk::{PublicKey as G1Point, Signature as G2Point};
use blst::{blst_fp12, blst_p1, blst_p1_affine, blst_p2_affine};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;

pub const PROOF_BYTES: usize = 192;

/// Weights of all but the last proof of a batch are this wide.
const WEIGHT_BITS: usize = 128;
/// Most proofs whose Miller loops one rayon task runs (a batch splits into at least two tasks
/// per thread, so that stealing evens out the threads beside the C sum).
const MAX_CHUNK: usize = 16;

/// A verifying key prepared for blst (arkworks' `PreparedVerifyingKey`, in blst form): `-gamma`,
/// `-delta`, the Miller loop of `(alpha, beta)` and a fixed-base table of the input points.
pub struct PreparedVerifyingKey {
    vk: VerifyingKey<Bls12_381>,
    neg_gamma: blst_p2_affine,
    neg_delta: blst_p2_affine,
    alpha_beta: blst_fp12,
    inputs_table: FixedBaseTable,
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

/// A key point in blst form (`groth16::msm`'s conversion; a failure is a verification error).
fn to_blst<C: BlstCurve>(p: &C) -> CoreResult<C::Blst> {
    p.to_blst().map_err(|_| internal("a verifying-key point"))
}

fn to_scalar(x: &Fr) -> Scalar {
    let mut out = [0u8; blst_raw::SCALAR_BYTES];
    out.copy_from_slice(&x.into_bigint().to_bytes_le());
    out
}

impl PreparedVerifyingKey {
    pub fn new(vk: &VerifyingKey<Bls12_381>) -> CoreResult<Self> {
        let neg_gamma = to_blst(&(-vk.gamma_g2.into_group()).into_affine())?;
        let neg_delta = to_blst(&(-vk.delta_g2.into_group()).into_affine())?;
        let alpha_beta = blst_fp12::miller_loop(&to_blst(&vk.beta_g2)?, &to_blst(&vk.alpha_g1)?);
        let points: Vec<blst_p1_affine> = vk
            .gamma_abc_g1
            .iter()
            .map(to_blst)
            .collect::<CoreResult<_>>()?;
        Ok(PreparedVerifyingKey {
            vk: vk.clone(),
            neg_gamma,
            neg_delta,
            alpha_beta,
            inputs_table: FixedBaseTable::new(&points)?,
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

    /// `sum_j x_j gamma_abc_j` for `x = (weight sum, combined inputs...)`.
    fn combine_inputs(&self, x: &[Fr]) -> CoreResult<blst_p1_affine> {
        let scalars: Vec<Scalar> = x.iter().map(to_scalar).collect();
        let ic = self
            .inputs_table
            .mult(&scalars, Fr::MODULUS_BIT_SIZE as usize)?;
        Ok(blst_raw::to_affine(&ic))
    }

    /// `e(p_1, -gamma) * e(p_2, -delta)` and the other pairs, checked against `e(alpha, beta)`.
    fn check_pairing(
        &self,
        f: blst_fp12,
        ic: blst_p1_affine,
        c: blst_p1_affine,
    ) -> CoreResult<bool> {
        let g = miller_loop(&[self.neg_gamma, self.neg_delta], &[ic, c])?;
        Ok(blst_fp12::finalverify(&(f * g), &self.alpha_beta))
    }
}

/// The Miller loop of the pairs whose G1 point is not the identity (those pair to one; blst's
/// loop assumes finite points).
fn miller_loop(qs: &[blst_p2_affine], ps: &[blst_p1_affine]) -> CoreResult<blst_fp12> {
    let inf = blst_p1_affine::default();
    let (q, p): (Vec<blst_p2_affine>, Vec<blst_p1_affine>) =
        qs.iter().zip(ps).filter(|(_, p)| **p != inf).unzip();
    if q.is_empty() {
        return Ok(blst_fp12::default());
    }
    blst_raw::miller_loop_n(&q, &p)
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

/// One proof: three Miller loops, one final exponentiation, on the calling thread.
pub fn verify(key: &PreparedVerifyingKey, inputs: &[Fr], proof: &FastProof) -> CoreResult<bool> {
    key.check_inputs(inputs.len())?;
    let mut x = vec![Fr::from(1u64)];
    x.extend_from_slice(inputs);
    let ic = key.combine_inputs(&x)?;
    key.check_pairing(miller_loop(&[proof.b], &[proof.a])?, ic, proof.c)
}

/// `n - 1` random 128-bit weights and a last one that makes them sum to one.
fn draw_weights(n: usize) -> CoreResult<Vec<Fr>> {
    let mut rng = ChaCha20Rng::from_rng(rand::rngs::OsRng)
        .map_err(|e| CoreError::Verification(e.to_string()))?;
    let mut w: Vec<Fr> = (1..n).map(|_| Fr::from(u128::rand(&mut rng))).collect();
    let rest: Fr = w.iter().sum();
    w.push(Fr::from(1u64) - rest);
    Ok(w)
}

/// The width of a weight: 128 bits but for the last of a batch.
fn get_bits(w: &Fr) -> usize {
    let bits = w.into_bigint().num_bits() as usize;
    if bits <= WEIGHT_BITS {
        WEIGHT_BITS
    } else {
        Fr::MODULUS_BIT_SIZE as usize
    }
}

/// `prod e(w_i A_i, B_i)` over one chunk of the batch.
fn weighted_loops(items: &[(Vec<Fr>, FastProof)], w: &[Fr]) -> CoreResult<blst_fp12> {
    let ps = items
        .iter()
        .zip(w)
        .map(|((_, p), wi)| blst_raw::mult(&p.a, &to_scalar(wi), get_bits(wi)))
        .map(|x| x.map(|x| blst_raw::to_affine(&x)))
        .collect::<CoreResult<Vec<_>>>()?;
    let qs: Vec<blst_p2_affine> = items.iter().map(|(_, p)| p.b).collect();
    miller_loop(&qs, &ps)
}

/// `sum_i w_i C_i`: one Pippenger over the 128-bit weights, the last (full-width) apart.
fn combine_c(items: &[(Vec<Fr>, FastProof)], w: &[Fr]) -> CoreResult<blst_p1> {
    let n = items.len();
    let last = blst_raw::mult(
        &items[n - 1].1.c,
        &to_scalar(&w[n - 1]),
        get_bits(&w[n - 1]),
    )?;
    if n == 1 {
        return Ok(last);
    }
    let cs: Vec<blst_p1_affine> = items[..n - 1].iter().map(|(_, p)| p.c).collect();
    let scalars: Vec<Scalar> = w[..n - 1].iter().map(to_scalar).collect();
    Ok(blst_raw::add(
        &blst_raw::msm(&cs, &scalars, WEIGHT_BITS)?,
        &last,
    ))
}

/// `sum_i w_i x_i` (the weighted inputs), led by the weight sum, one.
fn combine_inputs(items: &[(Vec<Fr>, FastProof)], w: &[Fr]) -> Vec<Fr> {
    let mut x = vec![Fr::from(1u64)];
    x.extend((0..items[0].0.len()).map(|j| {
        items
            .iter()
            .zip(w)
            .map(|((xs, _), wi)| xs[j] * wi)
            .sum::<Fr>()
    }));
    x
}

/// Random-linear-combination batch verification (see the module docs).
pub fn batch_verify(
    key: &PreparedVerifyingKey,
    items: &[(Vec<Fr>, FastProof)],
) -> CoreResult<bool> {
    if items.is_empty() {
        return Err(CoreError::InvalidArgument(
            "batch_verify needs at least one proof".into(),
        ));
    }
    items
        .iter()
        .try_for_each(|(x, _)| key.check_inputs(x.len()))?;
    let w = draw_weights(items.len())?;
    let chunk = items
        .len()
        .div_ceil(2 * rayon::current_num_threads())
        .clamp(1, MAX_CHUNK);
    let (f, c) = rayon::join(
        || {
            items
                .par_chunks(chunk)
                .zip(w.par_chunks(chunk))
                .map(|(it, wi)| weighted_loops(it, wi))
                .try_reduce(blst_fp12::default, |a, b| Ok(a * b))
        },
        || combine_c(items, &w),
    );
    let (f, c) = (f?, c?);
    let ic = key.combine_inputs(&combine_inputs(items, &w))?;
    key.check_pairing(f, ic, blst_raw::to_affine(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuits::CircuitConfig;
    use crate::groth16::prover::PreparedProvingKey;
    use crate::groth16::{encode_proof, insecure_setup, prepare_verifying_key, prove};
    use crate::state::batch_transition::tests::funded_transfer;
    use crate::state::batch_transition::State;
    use ark_bls12_381::{G1Affine, G1Projective};
    use ark_ec::pairing::Pairing;
    use ark_ec::VariableBaseMSM;
    use ark_ff::Field;
    use ark_serialize::{CanonicalDeserialize, Compress, Validate};

    type Item = (Vec<Fr>, FastProof);

    /// A key and two statements with a valid proof each (one transfer, and the empty batch).
    fn setup() -> (PreparedVerifyingKey, [Item; 2]) {
        let config = CircuitConfig::new(1, 2).unwrap();
        let (pk, vk) = insecure_setup(&config, b"verifier").unwrap();
        let (pvk, key) = (
            prepare_verifying_key(&vk),
            PreparedProvingKey::new(&pk).unwrap(),
        );
        let (state, t) = funded_transfer();
        let items = [vec![t], vec![]].map(|batch| {
            let circuit = config.build_circuit(&state, &batch).unwrap();
            let inputs = circuit.public_inputs().to_vec();
            let proof = prove(&key, &pvk, circuit).unwrap();
            (inputs, decode_proof(&encode_proof(&proof)).unwrap())
        });
        (PreparedVerifyingKey::new(&vk).unwrap(), items)
    }

    fn batch(items: &[Item; 2], n: usize) -> Vec<Item> {
        (0..n).map(|i| items[i % 2].clone()).collect()
    }

    #[test]
    fn verify_and_batch_verify_across_chunk_sizes() {
        let (key, items) = setup();
        for (inputs, proof) in &items {
            assert!(verify(&key, inputs, proof).unwrap());
        }
        assert!(!verify(&key, &items[1].0, &items[0].1).unwrap());
        for n in [1, 2, 3, 17, 40] {
            assert!(
                batch_verify(&key, &batch(&items, n)).unwrap(),
                "{n} good proofs"
            );
        }
        assert!(batch_verify(&key, &[]).is_err());
        assert!(verify(&key, &items[0].0[..2], &items[0].1).is_err());
    }

    #[test]
    fn batch_verify_rejects_a_bad_proof_at_any_position() {
        let (key, items) = setup();
        for n in [1, 3, 17] {
            for bad in 0..n {
                let mut b = batch(&items, n);
                b[bad].0[2] += Fr::from(1u64);
                assert!(!batch_verify(&key, &b).unwrap(), "bad proof {bad} of {n}");
            }
        }
    }

    /// The weights sum to one, so n copies of one bad statement must still fail: the check
    /// becomes that statement's own equation.
    #[test]
    fn batch_verify_rejects_copies_of_one_bad_proof() {
        let (key, items) = setup();
        let bad = (items[1].0.clone(), items[0].1);
        for n in [2, 5, 32] {
            assert!(
                !batch_verify(&key, &vec![bad.clone(); n]).unwrap(),
                "{n} copies"
            );
        }
    }

    #[test]
    fn miller_loop_skips_identity_points() {
        let (key, items) = setup();
        let p = items[0].1;
        let inf = blst_p1_affine::default();
        let with = miller_loop(&[p.b, key.neg_gamma], &[p.a, inf]).unwrap();
        assert_eq!(with, miller_loop(&[p.b], &[p.a]).unwrap());
        let zero = blst_raw::mult(&p.a, &[0u8; 32], 8).unwrap();
        assert_eq!(blst_raw::to_affine(&zero), inf);
        assert_eq!(miller_loop(&[p.b], &[inf]).unwrap(), blst_fp12::default());
    }

    fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
        let mut v: Vec<f64> = (0..runs)
            .map(|_| {
                let t = std::time::Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        v.sort_by(|a, b| a.total_cmp(b));
        v[runs / 2]
    }

    /// arkworks' proof decoding (curve and subgroup checks), for `verifier_times`.
    fn arkworks_decode_proof(bytes: &[u8]) -> ark_groth16::Proof<Bls12_381> {
        ark_groth16::Proof::deserialize_with_mode(bytes, Compress::Yes, Validate::Yes).unwrap()
    }

    /// The batch verification `verifier_times` measures ours against, on arkworks' pairing:
    /// independent 128-bit weights `r_i` and
    /// `prod e(r_i A_i, B_i) * e(sum r_i IC_i, -gamma) * e(sum r_i C_i, -delta) == e(alpha, beta)^(sum r_i)`,
    /// n + 2 Miller loops, one final exponentiation and one exponentiation in GT.
    fn arkworks_batch_verify(
        pvk: &ark_groth16::PreparedVerifyingKey<Bls12_381>,
        items: &[(Vec<Fr>, ark_groth16::Proof<Bls12_381>)],
    ) -> bool {
        let mut rng = ChaCha20Rng::from_rng(rand::rngs::OsRng).unwrap();
        let w: Vec<Fr> = (0..items.len())
            .map(|_| Fr::from(u128::rand(&mut rng)))
            .collect();
        let mut scalars = vec![w.iter().sum::<Fr>()];
        for j in 0..pvk.vk.gamma_abc_g1.len() - 1 {
            scalars.push(items.iter().zip(&w).map(|((x, _), wi)| x[j] * wi).sum());
        }
        let mut g1: Vec<G1Affine> = items
            .par_iter()
            .zip(&w)
            .map(|((_, p), wi)| (p.a * wi).into_affine())
            .collect();
        let cs: Vec<G1Affine> = items.iter().map(|(_, p)| p.c).collect();
        g1.push(
            G1Projective::msm(&pvk.vk.gamma_abc_g1, &scalars)
                .unwrap()
                .into_affine(),
        );
        g1.push(G1Projective::msm(&cs, &w).unwrap().into_affine());
        let mut g2: Vec<<Bls12_381 as Pairing>::G2Prepared> =
            items.par_iter().map(|(_, p)| p.b.into()).collect();
        g2.push(pvk.gamma_g2_neg_pc.clone());
        g2.push(pvk.delta_g2_neg_pc.clone());
        let ml = Bls12_381::multi_miller_loop(g1, g2);
        let total: Fr = w.iter().sum();
        Bls12_381::final_exponentiation(ml)
            .is_some_and(|out| out.0 == pvk.alpha_g1_beta_g2.pow(total.into_bigint()))
    }

    /// Ours against arkworks' (`ark_groth16` verify from bytes; for batches,
    /// `arkworks_batch_verify`, proofs decoded beforehand) in one run:
    /// `cargo test --release --lib verifier_times -- --ignored --nocapture`.
    #[test]
    #[ignore = "a benchmark"]
    fn verifier_times() {
        let (key, items) = setup();
        let pvk = crate::groth16::prepare_verifying_key(key.verifying_key());
        let bytes = crate::groth16::encode_proof;
        let ark_items: Vec<(Vec<Fr>, ark_groth16::Proof<Bls12_381>)> = {
            let config = CircuitConfig::new(1, 2).unwrap();
            let (pk, _) = insecure_setup(&config, b"verifier").unwrap();
            let prepared = PreparedProvingKey::new(&pk).unwrap();
            let circuit = config.build_circuit(&State::new(2).unwrap(), &[]).unwrap();
            let inputs = circuit.public_inputs().to_vec();
            vec![(inputs, prove(&prepared, &pvk, circuit).unwrap())]
        };
        let encoded = bytes(&ark_items[0].1);
        let ours = median_ms(200, || {
            let p = decode_proof(&encoded).unwrap();
            assert!(verify(&key, &ark_items[0].0, &p).unwrap());
        });
        let theirs = median_ms(200, || {
            let p = arkworks_decode_proof(&encoded);
            assert!(crate::groth16::verify(&pvk, &ark_items[0].0, &p).unwrap());
        });
        println!(
            "verify: ours {ours:.3} ms, arkworks {theirs:.3} ms, ratio {:.2}",
            ours / theirs
        );
        for n in [32usize, 128] {
            let ark_batch: Vec<_> = (0..n).map(|_| ark_items[0].clone()).collect();
            let b: Vec<Item> = (0..n)
                .map(|_| (ark_items[0].0.clone(), decode_proof(&encoded).unwrap()))
                .collect();
            let ours = median_ms(15, || assert!(batch_verify(&key, &b).unwrap()));
            let theirs = median_ms(15, || {
                assert!(arkworks_batch_verify(&pvk, &ark_batch));
            });
            println!(
                "batch {n}, decoded: ours {ours:.2} ms, arkworks {theirs:.2} ms, ratio {:.2}",
                ours / theirs
            );
        }
        drop(items);
    }
}
