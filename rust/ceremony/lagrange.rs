//! Lagrange-basis points from powers: `[L_i(tau)] = (1/n) sum_j omega^(-ij) [tau^j]` for the
//! radix-2 domain of size `n` (arkworks' `GeneralEvaluationDomain` for BLS12-381, the one
//! ark-groth16's setup and our prover use), which is an inverse FFT of the powers, run on the
//! group elements (`n/2 log n` scalar multiplications, on rayon's pool).
//!
//! arkworks 0.5 multiplies G1 points through the GLV endomorphism but G2 points by plain
//! double-and-add, although its G2 config has the endomorphism: `GlvG2` routes the FFT's G2
//! multiplications through it (about half the doublings; the G2 transform was 5x the G1 one).
#![forbid(unsafe_code)]

use crate::error::{CoreError, CoreResult};
use ark_bls12_381::{g2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{scalar_mul::glv::GLVConfig, AffineRepr, CurveGroup};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use std::ops::{Add, AddAssign, MulAssign, Sub, SubAssign};

/// The domain of size exactly `n` (a power of two).
pub fn get_domain(n: usize) -> CoreResult<Radix2EvaluationDomain<Fr>> {
    Radix2EvaluationDomain::new(n)
        .filter(|d| d.size() == n)
        .ok_or_else(|| CoreError::InvalidArgument(format!("no radix-2 domain of size {n}")))
}

/// `[L_i(tau)]` in G1 for `i < n` from `[tau^j]` for `j < n`.
pub fn compute_lagrange_g1(powers: &[G1Affine]) -> CoreResult<Vec<G1Affine>> {
    let domain = get_domain(powers.len())?;
    let mut points: Vec<G1Projective> = powers.iter().map(|p| p.into_group()).collect();
    domain.ifft_in_place(&mut points);
    Ok(G1Projective::normalize_batch(&points))
}

/// `[L_i(tau)]` in G2, multiplying through the endomorphism.
pub fn compute_lagrange_g2(powers: &[G2Affine]) -> CoreResult<Vec<G2Affine>> {
    let domain = get_domain(powers.len())?;
    let mut points: Vec<GlvG2> = powers.iter().map(|p| GlvG2(p.into_group())).collect();
    domain.ifft_in_place(&mut points);
    let points: Vec<G2Projective> = points.into_iter().map(|p| p.0).collect();
    Ok(G2Projective::normalize_batch(&points))
}

/// A G2 point whose multiplication by a scalar uses the GLV endomorphism.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlvG2(pub G2Projective);

impl MulAssign<Fr> for GlvG2 {
    fn mul_assign(&mut self, k: Fr) {
        self.0 = <g2::Config as GLVConfig>::glv_mul_projective(self.0, k);
    }
}

impl Add for GlvG2 {
    type Output = GlvG2;
    fn add(self, other: GlvG2) -> GlvG2 {
        GlvG2(self.0 + other.0)
    }
}

impl Sub for GlvG2 {
    type Output = GlvG2;
    fn sub(self, other: GlvG2) -> GlvG2 {
        GlvG2(self.0 - other.0)
    }
}

impl AddAssign for GlvG2 {
    fn add_assign(&mut self, other: GlvG2) {
        self.0 += other.0;
    }
}

impl SubAssign for GlvG2 {
    fn sub_assign(&mut self, other: GlvG2) {
        self.0 -= other.0;
    }
}

impl ark_ff::Zero for GlvG2 {
    fn zero() -> GlvG2 {
        GlvG2(G2Projective::zero())
    }
    fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
}
