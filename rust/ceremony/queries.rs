//! A circuit's A, B (G1 and G2) and IC/L queries over the Lagrange basis of its domain: for
//! variable `k`, `A_k = sum A[i][k] [L_i]` (plus `[L_(m+k)]` for an input), `B_k` likewise in G1
//! and G2, and `IC_k`/`L_k = sum (A[i][k] [beta L_i] + B[i][k] [alpha L_i] + C[i][k] [L_i])`.
//!
//! Cost: the matrices of a Poseidon-heavy circuit are mostly full-size coefficients, gathered
//! in a few hundred long columns (64 to 4096 entries). Each sum splits its terms: a coefficient
//! `c` with `c` or `-c` below 2^64 costs a short double-and-add; the full-size ones of a column
//! go into one multi-scalar multiplication (Pippenger's buckets share the doublings) once there
//! are `MSM_MIN_TERMS` of them, and the IC/L sum is one MSM over its three bases together.
#![forbid(unsafe_code)]

use super::lagrange::{compute_lagrange_g1, compute_lagrange_g2};
use super::phase1::Accumulator;
use crate::error::CoreResult;
use ark_bls12_381::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, Zero};
use ark_relations::r1cs::ConstraintMatrices;
use rayon::prelude::*;

/// Fewest full-size terms summed by an MSM rather than one multiplication each.
const MSM_MIN_TERMS: usize = 8;

/// A matrix column: `(coefficient, row)`.
type Column = Vec<(Fr, usize)>;

/// The Lagrange-basis points of the circuit's domain.
pub struct Basis {
    pub tau_g1: Vec<G1Affine>,
    pub tau_g2: Vec<G2Affine>,
    pub alpha_g1: Vec<G1Affine>,
    pub beta_g1: Vec<G1Affine>,
}

/// The basis of the domain of size `n` from the accumulator's first `n` powers.
pub fn compute_basis(acc: &Accumulator, n: usize) -> CoreResult<Basis> {
    Ok(Basis {
        tau_g1: compute_lagrange_g1(&acc.tau_g1[..n])?,
        tau_g2: compute_lagrange_g2(&acc.tau_g2[..n])?,
        alpha_g1: compute_lagrange_g1(&acc.alpha_g1[..n])?,
        beta_g1: compute_lagrange_g1(&acc.beta_g1[..n])?,
    })
}

/// The matrix's entries by variable (column).
fn get_columns(rows: &[Vec<(Fr, usize)>], num_variables: usize) -> Vec<Column> {
    let mut columns = vec![Vec::new(); num_variables];
    for (i, row) in rows.iter().enumerate() {
        for (coeff, var) in row {
            columns[*var].push((*coeff, i));
        }
    }
    columns
}

/// `x` as a `u64` when it fits.
fn get_small(x: Fr) -> Option<u64> {
    let limbs = x.into_bigint().0;
    limbs[1..].iter().all(|l| *l == 0).then_some(limbs[0])
}

/// `coeff * base` by a short double-and-add when `coeff` or `-coeff` fits in 64 bits.
fn scale_small<A: AffineRepr<ScalarField = Fr>>(base: A, coeff: Fr) -> Option<A::Group> {
    match (get_small(coeff), get_small(-coeff)) {
        (Some(c), _) => Some(base.mul_bigint([c])),
        (None, Some(c)) => Some(-base.mul_bigint([c])),
        (None, None) => None,
    }
}

/// `sum coeff * base` over `terms`.
fn sum_terms<A>(terms: &[(A, Fr)]) -> A::Group
where
    A: AffineRepr<ScalarField = Fr>,
    A::Group: VariableBaseMSM<MulBase = A>,
{
    let mut acc = A::Group::zero();
    let mut big: (Vec<A>, Vec<Fr>) = (Vec::new(), Vec::new());
    for (base, coeff) in terms {
        match scale_small(*base, *coeff) {
            Some(p) => acc += p,
            None => {
                big.0.push(*base);
                big.1.push(*coeff);
            }
        }
    }
    if big.0.len() >= MSM_MIN_TERMS {
        return acc + A::Group::msm_unchecked(&big.0, &big.1);
    }
    big.0.iter().zip(&big.1).fold(acc, |s, (b, c)| s + *b * c)
}

/// `(bases[row], coeff)` for each entry of `column`.
fn get_terms<A: Copy>(bases: &[A], column: &Column) -> Vec<(A, Fr)> {
    column.iter().map(|(c, i)| (bases[*i], *c)).collect()
}

type Points = (G1Projective, G1Projective, G2Projective, G1Projective);

/// Variable `k`'s A, B (G1, G2) and IC/L points; `input_row` is `m + k` for an input.
fn compute_variable(basis: &Basis, cols: [&Column; 3], input_row: Option<usize>) -> Points {
    let [a, b, c] = cols;
    let mut a_terms = get_terms(&basis.tau_g1, a);
    let mut ic_terms = get_terms(&basis.beta_g1, a);
    ic_terms.extend(get_terms(&basis.alpha_g1, b));
    ic_terms.extend(get_terms(&basis.tau_g1, c));
    if let Some(row) = input_row {
        a_terms.push((basis.tau_g1[row], Fr::from(1u64)));
        ic_terms.push((basis.beta_g1[row], Fr::from(1u64)));
    }
    (
        sum_terms(&a_terms),
        sum_terms(&get_terms(&basis.tau_g1, b)),
        sum_terms(&get_terms(&basis.tau_g2, b)),
        sum_terms(&ic_terms),
    )
}

/// Every variable's A, B (G1), B (G2) and IC/L points, normalized.
pub struct Queries {
    pub a: Vec<G1Affine>,
    pub b_g1: Vec<G1Affine>,
    pub b_g2: Vec<G2Affine>,
    pub ic_l: Vec<G1Affine>,
}

pub fn compute_queries(basis: &Basis, m: &ConstraintMatrices<Fr>) -> Queries {
    let vars = m.num_instance_variables + m.num_witness_variables;
    let cols = [&m.a, &m.b, &m.c].map(|rows| get_columns(rows, vars));
    let points: Vec<Points> = (0..vars)
        .into_par_iter()
        .map(|k| {
            let row = (k < m.num_instance_variables).then_some(m.num_constraints + k);
            compute_variable(basis, [&cols[0][k], &cols[1][k], &cols[2][k]], row)
        })
        .collect();
    let g1 = |f: fn(&Points) -> G1Projective| {
        G1Projective::normalize_batch(&points.iter().map(f).collect::<Vec<_>>())
    };
    Queries {
        a: g1(|p| p.0),
        b_g1: g1(|p| p.1),
        b_g2: G2Projective::normalize_batch(&points.iter().map(|p| p.2).collect::<Vec<_>>()),
        ic_l: g1(|p| p.3),
    }
}
