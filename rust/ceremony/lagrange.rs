//! Lagrange-basis points from powers: `[L_i(tau)] = (1/n) sum_j omega^(-ij) [tau^j]` for the
//! radix-2 domain of size `n` (arkworks' `GeneralEvaluationDomain` for BLS12-381, the one
//! ark-groth16's setup and our prover use), which is an inverse FFT of the powers, run on the
//! group elements (`n/2 log n` scalar multiplications, on rayon's pool).
#![forbid(unsafe_code)]

use crate::error::{CoreError, CoreResult};
use ark_bls12_381::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

/// The domain of size exactly `n` (a power of two).
pub fn get_domain(n: usize) -> CoreResult<Radix2EvaluationDomain<Fr>> {
    Radix2EvaluationDomain::new(n)
        .filter(|d| d.size() == n)
        .ok_or_else(|| CoreError::InvalidArgument(format!("no radix-2 domain of size {n}")))
}

/// `[L_i(tau)]` for `i < n` from `[tau^j]` for `j < n`.
pub fn compute_lagrange<C: CurveGroup<ScalarField = Fr>>(
    powers: &[C::Affine],
) -> CoreResult<Vec<C::Affine>> {
    let domain = get_domain(powers.len())?;
    let mut points: Vec<C> = powers.iter().map(|p| p.into_group()).collect();
    domain.ifft_in_place(&mut points);
    Ok(C::normalize_batch(&points))
}
