//! Phase 2 for one circuit: its Groth16 proving key (arkworks' `ProvingKey`, the form the key
//! cache stores: `groth16::keys`) from a final phase 1 and the circuit's setup-mode constraint
//! matrices, with gamma = 1 and delta = 1; then contributions of delta, each scaling `delta` in
//! G1 and G2 by a fresh secret and the H and L queries by its inverse, with a proof of knowledge.
//!
//! The starting key matches ark-groth16's `generate_parameters_with_qap` for the same tau,
//! alpha, beta (libsnark's QAP reduction): for variable `k`, `A_k = sum A[i][k] [L_i]`, plus
//! `[L_(m+k)]` for an input (`m` constraints); `B_k` likewise in G1 and G2; `IC_k` (inputs) and
//! `L_k` (witnesses) `= sum (A[i][k] [beta L_i] + B[i][k] [alpha L_i] + C[i][k] [L_i])`;
//! `H_i = [tau^(n+i) - tau^i]` for `i < n-1`.
#![forbid(unsafe_code)]

use super::ceremony_err;
use super::lagrange::get_domain;
use super::phase1::Accumulator;
use super::pok::{Pok, Tag};
use super::queries::{compute_basis, compute_queries};
use super::ratio::{fold_pairs, is_same_ratio};
use super::secret::Secret;
use crate::error::{decode_err, CoreError, CoreResult};
use crate::groth16::keys::decode_proving_key;
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_poly::EvaluationDomain;
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use rand::Rng;
use rayon::prelude::*;

/// A circuit's setup-mode matrices, as ark-groth16's setup builds them.
pub fn synthesize<C: ConstraintSynthesizer<Fr>>(circuit: C) -> CoreResult<ConstraintMatrices<Fr>> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    circuit
        .generate_constraints(cs.clone())
        .map_err(|e| CoreError::Proof(format!("synthesis failed: {e}")))?;
    cs.finalize();
    cs.to_matrices()
        .ok_or_else(|| CoreError::Proof("no matrices".into()))
}

/// The domain size of a circuit (constraints plus one per input, rounded up to a power of two).
pub fn get_domain_size(m: &ConstraintMatrices<Fr>) -> CoreResult<usize> {
    let wanted = m.num_constraints + m.num_instance_variables;
    let domain = ark_poly::Radix2EvaluationDomain::<Fr>::new(wanted)
        .ok_or_else(|| CoreError::InvalidArgument(format!("no domain for {wanted} rows")))?;
    Ok(get_domain(domain.size())?.size())
}

/// `[tau^(n+i) - tau^i] = [tau^i Z(tau)]` for `i < n-1`.
fn compute_h(acc: &Accumulator, n: usize) -> Vec<G1Affine> {
    let h: Vec<G1Projective> = (0..n - 1)
        .map(|i| acc.tau_g1[n + i] - acc.tau_g1[i])
        .collect();
    G1Projective::normalize_batch(&h)
}

/// The starting parameters (gamma = delta = 1) of the circuit with matrices `m`.
pub fn new_parameters(
    acc: &Accumulator,
    m: &ConstraintMatrices<Fr>,
) -> CoreResult<ProvingKey<Bls12_381>> {
    let n = get_domain_size(m)?;
    if n > acc.size() {
        return Err(CoreError::InvalidArgument(format!(
            "the circuit needs a phase 1 of size {n}, this one has {}",
            acc.size()
        )));
    }
    let mut q = compute_queries(&compute_basis(acc, n)?, m);
    let l_query = q.ic_l.split_off(m.num_instance_variables);
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    let vk = VerifyingKey {
        alpha_g1: acc.alpha_g1[0],
        beta_g2: acc.beta_g2,
        gamma_g2: g2,
        delta_g2: g2,
        gamma_abc_g1: q.ic_l,
    };
    Ok(ProvingKey {
        vk,
        beta_g1: acc.beta_g1[0],
        delta_g1: g1,
        a_query: q.a,
        b_g1_query: q.b_g1,
        b_g2_query: q.b_g2,
        h_query: compute_h(acc, n),
        l_query,
    })
}

/// `prev` with a fresh delta multiplied in, and its proof of knowledge bound to `parent`.
pub fn contribute<R: Rng>(
    prev: &ProvingKey<Bls12_381>,
    delta: &Secret,
    parent: &[u8; 32],
    rng: &mut R,
) -> CoreResult<(ProvingKey<Bls12_381>, Pok)> {
    let pok = Pok::new(delta, parent, Tag::Delta, rng)?;
    let inverse = delta.inverse();
    let mut next = prev.clone();
    next.delta_g1 = (prev.delta_g1 * delta.value()).into_affine();
    next.vk.delta_g2 = (prev.vk.delta_g2 * delta.value()).into_affine();
    next.h_query = super::points::scale_all::<G1Projective>(&prev.h_query, inverse.value());
    next.l_query = super::points::scale_all::<G1Projective>(&prev.l_query, inverse.value());
    Ok((next, pok))
}

/// Cache-format bytes from a hostile source: `keys::decode_proving_key`'s checks, plus the
/// prime-order subgroup for H and L (the parts a contribution changes; the others must equal
/// the starting parameters) and a delta other than the identity.
pub fn decode_parameters(bytes: &[u8]) -> CoreResult<ProvingKey<Bls12_381>> {
    let pk = decode_proving_key(bytes)?;
    let in_subgroup = |v: &[G1Affine]| {
        v.par_iter()
            .all(|p| p.is_in_correct_subgroup_assuming_on_curve())
    };
    if !in_subgroup(&pk.h_query) || !in_subgroup(&pk.l_query) {
        return Err(decode_err(
            "phase 2 parameters have an H or L point outside the subgroup",
        ));
    }
    if pk.delta_g1.is_zero() || pk.vk.delta_g2.is_zero() {
        return Err(decode_err("phase 2 parameters have delta the identity"));
    }
    Ok(pk)
}

fn require(ok: bool, what: &str) -> CoreResult<()> {
    ok.then_some(())
        .ok_or_else(|| ceremony_err(what.to_string()))
}

/// What a delta contribution must leave alone.
fn check_unchanged(prev: &ProvingKey<Bls12_381>, next: &ProvingKey<Bls12_381>) -> CoreResult<()> {
    let (p, n) = (&prev.vk, &next.vk);
    require(
        p.alpha_g1 == n.alpha_g1 && prev.beta_g1 == next.beta_g1 && p.beta_g2 == n.beta_g2,
        "alpha or beta changed",
    )?;
    require(p.gamma_g2 == n.gamma_g2, "gamma changed")?;
    require(
        p.gamma_abc_g1 == n.gamma_abc_g1,
        "the IC (input) query changed",
    )?;
    require(prev.a_query == next.a_query, "the A query changed")?;
    require(
        prev.b_g1_query == next.b_g1_query && prev.b_g2_query == next.b_g2_query,
        "the B query changed",
    )?;
    require(
        prev.h_query.len() == next.h_query.len() && prev.l_query.len() == next.l_query.len(),
        "the H or L query changed length",
    )
}

/// Checks `next` against its parent `prev`: unchanged parts, the proof of knowledge of delta
/// (bound to `parent`, taking the parent's delta to the new one), delta the same in G1 and G2,
/// and H and L divided by that same delta (folded same-ratio checks).
pub fn verify_contribution<R: Rng>(
    prev: &ProvingKey<Bls12_381>,
    next: &ProvingKey<Bls12_381>,
    parent: &[u8; 32],
    pok: &Pok,
    rng: &mut R,
) -> CoreResult<()> {
    check_unchanged(prev, next)?;
    let r = pok.check(parent, Tag::Delta)?.ok_or_else(|| {
        ceremony_err("the proof of knowledge of delta does not hold for this parent hash")
    })?;
    require(
        is_same_ratio((prev.delta_g1, next.delta_g1), (r, pok.r_x)),
        "delta is not the parent's times the proven secret",
    )?;
    let deltas = (prev.vk.delta_g2, next.vk.delta_g2);
    require(
        is_same_ratio(
            (G1Affine::generator(), next.delta_g1),
            (G2Affine::generator(), deltas.1),
        ),
        "delta in G1 and G2 differ",
    )?;
    let h = fold_pairs::<G1Projective, R>(&next.h_query, &prev.h_query, rng);
    require(
        is_same_ratio(h, deltas),
        "the H query is not the parent's divided by delta",
    )?;
    if next.l_query.is_empty() {
        return Ok(());
    }
    let l = fold_pairs::<G1Projective, R>(&next.l_query, &prev.l_query, rng);
    require(
        is_same_ratio(l, deltas),
        "the L query is not the parent's divided by delta",
    )
}
