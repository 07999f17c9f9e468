//! Phase 2's published starting parameters checked against the final phase 1 without
//! recomputing them (`phase2::new_parameters` runs four inverse FFTs over group elements).
//!
//! For a query `P_k = sum_j M[j][k] [L_j(tau)]` (`M` the circuit's A or B matrix over the
//! domain of size `n`, plus the input rows), random weights `rho_k` give
//! `sum_k rho_k P_k = sum_j w_j [L_j] = sum_i v_i [tau^i]` with `w = M rho` (a sparse
//! product in Fr) and `v = ifft(w)` (`L_j(X) = (1/n) sum_i omega^(-ij) X^i`): one field IFFT
//! and two multi-scalar multiplications. IC and L (`beta A + alpha B + C`) take three IFFTs,
//! against `[beta tau^i]`, `[alpha tau^i]`, `[tau^i]`. H, alpha, beta, gamma, delta and every
//! length are compared exactly.
//!
//! Soundness: every point is in the prime-order subgroup (`decode_start`), of prime order
//! `r > 2^128`. If a published `P_k` differs from the right one by `D_k != 0`, the check passes
//! only when `sum rho_k D_k = 0`; fixing every other weight, at most one value of `rho_k` mod
//! `r` does that, so a wrong start passes with probability at most 2^-128 over the 128-bit
//! weights, which the verifier draws from the OS afresh for each check.
#![forbid(unsafe_code)]

use super::ceremony_err;
use super::lagrange::get_domain;
use super::phase1::Accumulator;
use super::phase2::{decode_parameters, get_domain_size};
use crate::error::{decode_err, CoreError, CoreResult};
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_groth16::ProvingKey;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_relations::r1cs::ConstraintMatrices;
use rand::Rng;
use rayon::prelude::*;

type Rows = [Vec<(Fr, usize)>];

/// `decode_parameters`, plus the prime-order subgroup for the A and B queries (which later
/// contributions must keep equal, so this check covers them for the whole chain).
pub fn decode_start(bytes: &[u8]) -> CoreResult<ProvingKey<Bls12_381>> {
    let pk = decode_parameters(bytes)?;
    let g1_ok = |v: &[G1Affine]| {
        v.par_iter()
            .all(|p| p.is_in_correct_subgroup_assuming_on_curve())
    };
    let g2_ok = pk
        .b_g2_query
        .par_iter()
        .all(|p| p.is_in_correct_subgroup_assuming_on_curve());
    if !g1_ok(&pk.a_query) || !g1_ok(&pk.b_g1_query) || !g2_ok {
        return Err(decode_err(
            "phase 2 parameters have an A or B point outside the subgroup",
        ));
    }
    Ok(pk)
}

fn require(ok: bool, what: &str) -> CoreResult<()> {
    ok.then_some(())
        .ok_or_else(|| ceremony_err(what.to_string()))
}

/// What the check reads: the final phase 1, the circuit's matrices and its domain.
struct Ctx<'a> {
    acc: &'a Accumulator,
    m: &'a ConstraintMatrices<Fr>,
    domain: Radix2EvaluationDomain<Fr>,
}

impl Ctx<'_> {
    fn n(&self) -> usize {
        self.domain.size()
    }

    fn vars(&self) -> usize {
        self.m.num_instance_variables + self.m.num_witness_variables
    }

    /// `w = M rho` over the domain's rows, with `w[constraints + k] += rho_k` for each input
    /// `k` when `inputs` (libsnark's extra rows, in A only).
    fn compute_row_sums(&self, rows: &Rows, rho: &[Fr], inputs: bool) -> Vec<Fr> {
        let mut w = vec![Fr::from(0u64); self.n()];
        for (j, row) in rows.iter().enumerate() {
            w[j] = row.iter().map(|(c, k)| *c * rho[*k]).sum();
        }
        if inputs {
            let first = self.m.num_constraints;
            for (k, r) in rho.iter().enumerate().take(self.m.num_instance_variables) {
                w[first + k] += r;
            }
        }
        w
    }

    /// `sum_j w_j [L_j]` from the powers `[x tau^i]`, `i < n`.
    fn combine<C>(&self, powers: &[C::Affine], w: Vec<Fr>) -> C
    where
        C: VariableBaseMSM<ScalarField = Fr, MulBase = <C as CurveGroup>::Affine> + CurveGroup,
    {
        let v = self.domain.ifft(&w);
        C::msm_unchecked(&powers[..self.n()], &v)
    }
}

/// `count` fresh 128-bit weights.
fn get_weights<R: Rng>(count: usize, rng: &mut R) -> Vec<Fr> {
    (0..count).map(|_| Fr::from(rng.gen::<u128>())).collect()
}

/// Every vector's length, then the points a start fixes exactly.
fn check_shape(ctx: &Ctx, pk: &ProvingKey<Bls12_381>) -> CoreResult<()> {
    let (vars, inputs) = (ctx.vars(), ctx.m.num_instance_variables);
    let lens = [
        (pk.a_query.len(), vars, "the A query"),
        (pk.b_g1_query.len(), vars, "the B query in G1"),
        (pk.b_g2_query.len(), vars, "the B query in G2"),
        (pk.vk.gamma_abc_g1.len(), inputs, "the IC (input) query"),
        (pk.l_query.len(), vars - inputs, "the L query"),
        (pk.h_query.len(), ctx.n() - 1, "the H query"),
    ];
    for (got, want, what) in lens {
        require(got == want, &format!("{what} has {got} points, not {want}"))?;
    }
    let (acc, g1, g2) = (ctx.acc, G1Affine::generator(), G2Affine::generator());
    require(
        pk.vk.alpha_g1 == acc.alpha_g1[0] && pk.beta_g1 == acc.beta_g1[0],
        "alpha or beta in G1 is not phase 1's",
    )?;
    require(pk.vk.beta_g2 == acc.beta_g2, "beta in G2 is not phase 1's")?;
    require(pk.vk.gamma_g2 == g2, "gamma is not the generator")?;
    require(
        pk.delta_g1 == g1 && pk.vk.delta_g2 == g2,
        "delta is not the generator",
    )
}

/// `H_i = [tau^(n+i)] - [tau^i]`, point by point.
fn check_h(ctx: &Ctx, pk: &ProvingKey<Bls12_381>) -> CoreResult<()> {
    let (t, n) = (&ctx.acc.tau_g1, ctx.n());
    let ok = pk
        .h_query
        .par_iter()
        .enumerate()
        .all(|(i, h)| h.into_group() + t[i] == t[n + i].into_group());
    require(ok, "the H query is not tau^(n+i) - tau^i")
}

/// A and B (G1, G2), each with its own weights.
fn check_a_b<R: Rng>(ctx: &Ctx, pk: &ProvingKey<Bls12_381>, rng: &mut R) -> CoreResult<()> {
    let (acc, m) = (ctx.acc, ctx.m);
    let rho = get_weights(ctx.vars(), rng);
    let rhs: G1Projective = ctx.combine(&acc.tau_g1, ctx.compute_row_sums(&m.a, &rho, true));
    require(
        G1Projective::msm_unchecked(&pk.a_query, &rho) == rhs,
        "the A query does not follow from phase 1",
    )?;
    let rho = get_weights(ctx.vars(), rng);
    let rhs: G1Projective = ctx.combine(&acc.tau_g1, ctx.compute_row_sums(&m.b, &rho, false));
    require(
        G1Projective::msm_unchecked(&pk.b_g1_query, &rho) == rhs,
        "the B query in G1 does not follow from phase 1",
    )?;
    let rho = get_weights(ctx.vars(), rng);
    let rhs: G2Projective = ctx.combine(&acc.tau_g2, ctx.compute_row_sums(&m.b, &rho, false));
    require(
        G2Projective::msm_unchecked(&pk.b_g2_query, &rho) == rhs,
        "the B query in G2 does not follow from phase 1",
    )
}

/// Whether `sum rho_k (IC ++ L)_k = sum_j (wA_j [beta L_j] + wB_j [alpha L_j] + wC_j [L_j])`.
fn is_ic_l(ctx: &Ctx, ic_l: &[G1Affine], rho: &[Fr]) -> bool {
    let (acc, m) = (ctx.acc, ctx.m);
    let beta: G1Projective = ctx.combine(&acc.beta_g1, ctx.compute_row_sums(&m.a, rho, true));
    let alpha: G1Projective = ctx.combine(&acc.alpha_g1, ctx.compute_row_sums(&m.b, rho, false));
    let tau: G1Projective = ctx.combine(&acc.tau_g1, ctx.compute_row_sums(&m.c, rho, false));
    G1Projective::msm_unchecked(ic_l, rho) == beta + alpha + tau
}

/// IC and L in one combination; on a failure, IC alone (fresh weights) says which.
fn check_ic_l<R: Rng>(ctx: &Ctx, pk: &ProvingKey<Bls12_381>, rng: &mut R) -> CoreResult<()> {
    let ic_l: Vec<G1Affine> = pk
        .vk
        .gamma_abc_g1
        .iter()
        .chain(&pk.l_query)
        .copied()
        .collect();
    if is_ic_l(ctx, &ic_l, &get_weights(ctx.vars(), rng)) {
        return Ok(());
    }
    let mut rho = get_weights(ctx.m.num_instance_variables, rng);
    rho.resize(ctx.vars(), Fr::from(0u64));
    let which = if is_ic_l(ctx, &ic_l, &rho) {
        "the L query"
    } else {
        "the IC (input) query"
    };
    require(false, &format!("{which} does not follow from phase 1"))
}

/// Checks the starting parameters `pk` (from `decode_start`) of the circuit with matrices `m`
/// against the final phase 1 `acc` (the module docs say how); `CoreError::Ceremony` naming the
/// first part that is wrong.
pub fn check_start<R: Rng>(
    acc: &Accumulator,
    m: &ConstraintMatrices<Fr>,
    pk: &ProvingKey<Bls12_381>,
    rng: &mut R,
) -> CoreResult<()> {
    let n = get_domain_size(m)?;
    if n > acc.size() {
        return Err(CoreError::InvalidArgument(format!(
            "the circuit needs a phase 1 of size {n}, this one has {}",
            acc.size()
        )));
    }
    let ctx = Ctx {
        acc,
        m,
        domain: get_domain(n)?,
    };
    check_shape(&ctx, pk)?;
    check_h(&ctx, pk)?;
    check_a_b(&ctx, pk, rng)?;
    check_ic_l(&ctx, pk, rng)
}
