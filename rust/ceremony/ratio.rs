//! Same-ratio checks: `(a, b)` in G1 and `(c, d)` in G2 have the same ratio when
//! `b = x*a` and `d = x*c` for one `x`, which `e(a, d) = e(b, c)` shows without `x`. A check over
//! whole vectors (`w_i = x*v_i` for every `i`) folds them with random 128-bit weights first:
//! `(sum r_i v_i, sum r_i w_i)`, two multi-scalar multiplications and one pairing check, which a
//! wrong element passes with probability about 2^-128.
#![forbid(unsafe_code)]

use ark_bls12_381::{Bls12_381, Fr, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::Zero;
use rand::Rng;

/// `e(a, d) == e(b, c)`, with none of the four the identity.
pub fn is_same_ratio(g1: (G1Affine, G1Affine), g2: (G2Affine, G2Affine)) -> bool {
    if [
        g1.0.is_zero(),
        g1.1.is_zero(),
        g2.0.is_zero(),
        g2.1.is_zero(),
    ]
    .contains(&true)
    {
        return false;
    }
    Bls12_381::multi_pairing([g1.0, -g1.1], [g2.1, g2.0]).is_zero()
}

/// `(sum r_i v_i, sum r_i w_i)` for random weights `r_i`: a pair with the ratio of every
/// `(v_i, w_i)` when they all share one.
pub fn fold_pairs<C, R>(v: &[C::Affine], w: &[C::Affine], rng: &mut R) -> (C::Affine, C::Affine)
where
    C: CurveGroup<ScalarField = Fr> + VariableBaseMSM,
    R: Rng,
{
    assert_eq!(v.len(), w.len(), "fold_pairs takes equal lengths");
    let weights: Vec<Fr> = (0..v.len()).map(|_| Fr::from(rng.gen::<u128>())).collect();
    let fold = |points: &[C::Affine]| C::msm(points, &weights).expect("equal lengths");
    (fold(v).into_affine(), fold(w).into_affine())
}

/// Consecutive powers `p_0, p_1, ...` as a folded pair `(p_i, p_i+1)`.
pub fn fold_powers<C, R>(powers: &[C::Affine], rng: &mut R) -> (C::Affine, C::Affine)
where
    C: CurveGroup<ScalarField = Fr> + VariableBaseMSM,
    R: Rng,
{
    let n = powers.len();
    fold_pairs::<C, R>(&powers[..n - 1], &powers[1..], rng)
}
