//! Prime-order subgroup membership on Jubjub by the Tate pairing (Koshelev, "Subgroup membership
//! testing on elliptic curves via the Tate pairing", 2022): about one field exponentiation
//! instead of arkworks' `[r] P == O` (a 252-bit scalar multiplication), for the same answer.
//!
//! Why it is exact. `E(F_q) = G_r x <T>` with `T` of order 8 (cofactor 8, one point of order 2,
//! so the 2-part is cyclic). `8 | q - 1`, so the reduced Tate pairing
//! `t(T, P) = f(P)^((q-1)/8)`, with `div f = 8(T) - 8(O)`, is a perfect pairing between `<T>` and
//! `E / 8E = E / G_r`: `t(T, .)` is trivial exactly on `G_r`. Evaluating a normalized `f` at the
//! point `P` (instead of a divisor equivalent to `(P) - (O)`) changes the value by an 8th power
//! only (Weil reciprocity), which the exponent kills. `f` here is Miller's function in Montgomery
//! coordinates known up to a constant `c`, so `f(P)^e = c^e t(T, P)`; `c^e` is read off the
//! generator once (`reference`). Points of `E[8]` (where `f`'s lines vanish) are decided
//! directly: only `O` is in `G_r`. The tests compare the answer with arkworks' on random curve
//! points, on subgroup points plus each torsion point, and on the torsion points.
#![forbid(unsafe_code)]

use ark_bls12_381::Fr as Fq;
use ark_ec::twisted_edwards::MontCurveConfig;
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup, PrimeGroup};
use ark_ed_on_bls12_381::{EdwardsAffine, EdwardsProjective, Fr as JubjubScalar, JubjubConfig};
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use std::sync::OnceLock;

/// Miller's function of `8 (T) - 8 (O)`: `l_T^4 l_2T^2 / ((u - u_2T)^4 u)`, where `l_X` is the
/// tangent at `X`, `u - u_2T` the vertical through `2T`, and `u` the tangent at `4T = (0, 0)`.
struct Miller {
    /// The tangent at `T`: `v - v_T - slope (u - u_T)`.
    tangent_t: (Fq, Fq, Fq),
    /// The tangent at `2T`.
    tangent_2t: (Fq, Fq, Fq),
    u_2t: Fq,
    /// `(q - 1) / 8`.
    exponent: <Fq as PrimeField>::BigInt,
    /// `f(G)^e` for the generator, in `G_r`: what every subgroup point gives.
    reference: Fq,
}

static MILLER: OnceLock<Miller> = OnceLock::new();

fn miller() -> &'static Miller {
    MILLER.get_or_init(Miller::new)
}

/// `(u, v)` of a point with `x != 0` and `y != 1`: `u = (1 + y) / (1 - y)`, `v = u / x`.
fn to_montgomery(p: &EdwardsAffine) -> (Fq, Fq) {
    let u = (Fq::one() + p.y) / (Fq::one() - p.y);
    (u, u / p.x)
}

/// The tangent at `(u0, v0)` of Jubjub's Montgomery form `B v^2 = u^3 + A u^2 + u`: its point
/// and slope `(3 u0^2 + 2 A u0 + 1) / (2 B v0)`.
fn tangent(p: &EdwardsAffine) -> (Fq, Fq, Fq) {
    let (u0, v0) = to_montgomery(p);
    let (a, b) = (
        <JubjubConfig as MontCurveConfig>::COEFF_A,
        <JubjubConfig as MontCurveConfig>::COEFF_B,
    );
    let slope = (Fq::from(3u64) * u0.square() + a.double() * u0 + Fq::one()) / (b.double() * v0);
    (u0, v0, slope)
}

/// A point of order 8: the torsion part `[r] P` of the first small-`y` point that has one.
fn find_order_eight() -> EdwardsAffine {
    let r = JubjubScalar::MODULUS;
    (2u64..)
        .filter_map(|y| EdwardsAffine::get_point_from_y_unchecked(Fq::from(y), false))
        .map(|p| p.mul_bigint(r).into_affine())
        .find(|t| !(t.into_group().double().double()).is_zero())
        .expect("the curve has points of order 8")
}

impl Miller {
    fn new() -> Self {
        let t = find_order_eight();
        let t2 = t.into_group().double().into_affine();
        let mut exponent = Fq::MODULUS;
        let _ = exponent.sub_with_borrow(&<Fq as PrimeField>::BigInt::from(1u64));
        exponent >>= 3;
        let mut m = Miller {
            tangent_t: tangent(&t),
            tangent_2t: tangent(&t2),
            u_2t: to_montgomery(&t2).0,
            exponent,
            reference: Fq::zero(),
        };
        m.reference = m.evaluate(&EdwardsProjective::generator().into_affine());
        m
    }

    /// `f(P)^e` for `P` with `x != 0` (so `W = (1 - y) x` and `U = (1 + y) x` are not 0). With
    /// `u = U / W`, `v = (1 + y) / W`: `f = num / den`, `num = L_T^4 L_2T^2`,
    /// `den = (U - u_2T W)^4 U W`; `(num / den)^e = (num den^7)^e` since `den^(8e) = 1`.
    fn evaluate(&self, p: &EdwardsAffine) -> Fq {
        let w = (Fq::one() - p.y) * p.x;
        let big_u = (Fq::one() + p.y) * p.x;
        let big_v = Fq::one() + p.y;
        let line = |(u0, v0, slope): (Fq, Fq, Fq)| big_v - v0 * w - slope * (big_u - u0 * w);
        let (l1, l2) = (line(self.tangent_t), line(self.tangent_2t));
        let num = l1.square().square() * l2.square();
        let den = (big_u - self.u_2t * w).square().square() * big_u * w;
        let den7 = den.square() * den * den.square().square();
        (num * den7).pow(self.exponent)
    }
}

/// True iff a point already on the curve is in the prime-order subgroup (the identity is).
pub fn is_in_prime_subgroup(p: &EdwardsAffine) -> bool {
    let eight = p.into_group().double().double().double();
    if eight.is_zero() {
        return p.is_zero();
    }
    let m = miller();
    m.evaluate(p) == m.reference
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;

    fn arkworks_says(p: &EdwardsAffine) -> bool {
        p.is_in_correct_subgroup_assuming_on_curve()
    }

    #[test]
    fn agrees_with_arkworks_on_random_curve_points() {
        let mut seen = [0usize; 2];
        for y in 0u64..3000 {
            for greatest in [false, true] {
                let Some(p) = EdwardsAffine::get_point_from_y_unchecked(Fq::from(y), greatest)
                else {
                    continue;
                };
                let want = arkworks_says(&p);
                assert_eq!(is_in_prime_subgroup(&p), want, "y = {y}");
                seen[want as usize] += 1;
            }
        }
        assert!(seen[0] > 1000 && seen[1] > 100, "{seen:?}");
    }

    #[test]
    fn subgroup_points_plus_each_torsion_point() {
        let t = find_order_eight().into_group();
        let mut rng = ark_std::test_rng();
        for _ in 0..20 {
            let g = EdwardsProjective::generator() * JubjubScalar::rand(&mut rng);
            for k in 0u64..8 {
                let p = (g + t * JubjubScalar::from(k)).into_affine();
                assert_eq!(is_in_prime_subgroup(&p), k == 0, "k = {k}");
                assert_eq!(arkworks_says(&p), k == 0);
            }
        }
    }

    #[test]
    fn torsion_points_only_the_identity() {
        let t = find_order_eight().into_group();
        for k in 0u64..8 {
            let p = (t * JubjubScalar::from(k)).into_affine();
            assert_eq!(is_in_prime_subgroup(&p), k == 0, "k = {k}");
        }
        assert!(is_in_prime_subgroup(&EdwardsAffine::zero()));
    }
}
