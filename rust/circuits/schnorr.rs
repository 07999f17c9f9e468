//! The Schnorr verification gadget (`crate::schnorr` in R1CS): with `A` the signer's key,
//! `c = hash_n([R.x, R.y, A.x, A.y, m])` and `s` the response, it enforces
//! `s * G - c * A == R` when `enabled` holds.
//!
//! * `s` is 252 Boolean witnesses (the Jubjub order has 252 bits); `s * G` uses precomputed
//!   multiples of the fixed generator with 2-bit lookups.
//! * `c` is decomposed into its canonical 255 bits (`to_bits_le` also enforces `< r`), so the
//!   prover cannot pick between `c` and `c + r`; `c * A` is double-and-add over those bits and equals
//!   `(c mod r_J) * A` because `A` lies in the prime-order subgroup (checked natively when a key
//!   enters the state, and its coordinates are fixed by the account leaf).
//! * `s` is canonical: `s + 2^252 - r_J < 2^252` (a 252-bit range check, 253 constraints), so
//!   `s + r_J`, which also fits 252 bits for about 10% of signatures, is rejected.
//! * `R` is checked against the computed point, so it needs no curve check of its own.
#![forbid(unsafe_code)]

use super::poseidon::{hash_n_var, Fv};
use super::range::enforce_range;
use crate::schnorr;
use ark_bls12_381::Fr;
use ark_ec::CurveGroup;
use ark_ed_on_bls12_381::constraints::EdwardsVar;
use ark_ed_on_bls12_381::{EdwardsProjective, Fr as JubjubScalar};
use ark_ff::{BigInteger, Field, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::convert::ToBitsGadget;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::groups::CurveVar;
use ark_relations::r1cs::{ConstraintSystemRef, SynthesisError};
use std::sync::OnceLock;

/// Bits of a Jubjub scalar.
pub const SCALAR_BITS: usize = 252;

/// A signature as witness variables.
pub struct SignatureVar {
    pub r_x: Fv,
    pub r_y: Fv,
    pub s_bits: Vec<Boolean<Fr>>,
    /// `s` as one field element (a linear combination of `s_bits`, no constraint).
    pub s: Fv,
}

/// `2^252 - r_J`: adding it to `s` carries into bit 252 exactly when `s >= r_J`.
fn canonical_offset() -> Fr {
    let r_j = Fr::from_bigint(JubjubScalar::MODULUS).expect("r_J < r");
    Fr::from(2u64).pow([SCALAR_BITS as u64]) - r_j
}

/// Enforces `s < r_J` for `s` given by its 252 bits (so `s < 2^252`).
pub fn enforce_canonical_scalar(s: &Fv) -> Result<(), SynthesisError> {
    enforce_range(&(s + canonical_offset()), SCALAR_BITS).map(|_| ())
}

impl SignatureVar {
    /// Allocates `R`'s coordinates and the bits of `s`, and enforces `s < r_J`.
    pub fn new_witness(
        cs: &ConstraintSystemRef<Fr>,
        r: (Fr, Fr),
        s: &JubjubScalar,
    ) -> Result<Self, SynthesisError> {
        let r_x = Fv::new_witness(cs.clone(), || Ok(r.0))?;
        let r_y = Fv::new_witness(cs.clone(), || Ok(r.1))?;
        let bits = s.into_bigint().to_bits_le();
        let s_bits = (0..SCALAR_BITS)
            .map(|i| Boolean::new_witness(cs.clone(), || Ok(bits[i])))
            .collect::<Result<Vec<_>, _>>()?;
        let s = Boolean::le_bits_to_fp(&s_bits)?;
        enforce_canonical_scalar(&s)?;
        Ok(SignatureVar {
            r_x,
            r_y,
            s_bits,
            s,
        })
    }
}

static GENERATOR_POWERS: OnceLock<Vec<EdwardsProjective>> = OnceLock::new();

/// `2^i * G` for each bit of a scalar.
fn generator_powers() -> &'static [EdwardsProjective] {
    GENERATOR_POWERS.get_or_init(|| {
        let mut p: EdwardsProjective = schnorr::generator().into();
        (0..SCALAR_BITS)
            .map(|_| {
                let out = p;
                p = (p + p).into_affine().into();
                out
            })
            .collect()
    })
}

/// Enforces (when `enabled`) that `sig` signs `msg` under the key `(pk_x, pk_y)`.
pub fn enforce_signature(
    pk: (&Fv, &Fv),
    msg: &Fv,
    sig: &SignatureVar,
    enabled: &Boolean<Fr>,
) -> Result<(), SynthesisError> {
    let c = hash_n_var(&[
        sig.r_x.clone(),
        sig.r_y.clone(),
        pk.0.clone(),
        pk.1.clone(),
        msg.clone(),
    ])?;
    let c_bits = c.to_bits_le()?;
    let a = EdwardsVar::new(pk.0.clone(), pk.1.clone());
    let c_a = a.scalar_mul_le(c_bits.iter())?;
    let mut s_g = EdwardsVar::zero();
    s_g.precomputed_base_scalar_mul_le(sig.s_bits.iter().zip(generator_powers()))?;
    let r = s_g - c_a;
    r.x.conditional_enforce_equal(&sig.r_x, enabled)?;
    r.y.conditional_enforce_equal(&sig.r_y, enabled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ed_on_bls12_381::EdwardsAffine;
    use ark_relations::r1cs::ConstraintSystem;

    fn check(pk: EdwardsAffine, msg: Fr, sig: &schnorr::Signature) -> (bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let var = |x: Fr| Fv::new_witness(cs.clone(), || Ok(x)).unwrap();
        let (x, y, m) = (var(pk.x), var(pk.y), var(msg));
        let sv = SignatureVar::new_witness(&cs, (sig.r.x, sig.r.y), &sig.s).unwrap();
        enforce_signature((&x, &y), &m, &sv, &Boolean::TRUE).unwrap();
        (cs.is_satisfied().unwrap(), cs.num_constraints())
    }

    #[test]
    fn gadget_agrees_with_native_verifier() {
        let sk = schnorr::generate_secret_key();
        let pk = schnorr::compute_public_key(&sk);
        let msg = Fr::from(77u64);
        let sig = schnorr::sign(&sk, msg);
        assert!(schnorr::is_valid_signature(&pk, msg, &sig));
        let (ok, n) = check(pk, msg, &sig);
        assert!(
            ok,
            "valid signature must satisfy the gadget ({n} constraints)"
        );
        assert!(!check(pk, msg + Fr::from(1u64), &sig).0);
        let other = schnorr::compute_public_key(&schnorr::generate_secret_key());
        assert!(!check(other, msg, &sig).0);
        let bad_s = schnorr::Signature {
            s: sig.s + JubjubScalar::from(1u64),
            ..sig
        };
        assert!(!schnorr::is_valid_signature(&pk, msg, &bad_s));
        assert!(!check(pk, msg, &bad_s).0);
        let bad_r = schnorr::Signature {
            r: schnorr::generator(),
            ..sig
        };
        assert!(!check(pk, msg, &bad_r).0);
    }

    /// `s + r_J` as a 252-bit witness, forced past `SignatureVar::new_witness`'s reduction.
    fn check_with_raw_s(pk: EdwardsAffine, msg: Fr, sig: &schnorr::Signature, s: Fr) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let var = |x: Fr| Fv::new_witness(cs.clone(), || Ok(x)).unwrap();
        let (x, y, m) = (var(pk.x), var(pk.y), var(msg));
        let bits = s.into_bigint().to_bits_le();
        let s_bits: Vec<Boolean<Fr>> = (0..SCALAR_BITS)
            .map(|i| Boolean::new_witness(cs.clone(), || Ok(bits[i])).unwrap())
            .collect();
        let s_var = Boolean::le_bits_to_fp(&s_bits).unwrap();
        let sv = SignatureVar {
            r_x: var(sig.r.x),
            r_y: var(sig.r.y),
            s_bits,
            s: s_var.clone(),
        };
        enforce_canonical_scalar(&s_var).unwrap();
        enforce_signature((&x, &y), &m, &sv, &Boolean::TRUE).unwrap();
        cs.is_satisfied().unwrap()
    }

    #[test]
    fn s_plus_the_jubjub_order_is_rejected() {
        // About 1 in 10 signatures has s + r_J < 2^252: the only ones where the forgery fits.
        let sk = schnorr::generate_secret_key();
        let pk = schnorr::compute_public_key(&sk);
        let r_j = Fr::from_bigint(JubjubScalar::MODULUS).unwrap();
        let limit = Fr::from(2u64).pow([SCALAR_BITS as u64]);
        let (msg, sig) = (1u64..)
            .map(|i| (Fr::from(i), schnorr::sign(&sk, Fr::from(i))))
            .find(|(_, sig)| crate::state::accounts::scalar_to_fr(&sig.s) + r_j < limit)
            .unwrap();
        let s = crate::state::accounts::scalar_to_fr(&sig.s);
        assert!(check_with_raw_s(pk, msg, &sig, s), "control: the honest s");
        assert!(!check_with_raw_s(pk, msg, &sig, s + r_j));
    }

    #[test]
    fn canonical_check_costs_253_constraints_and_bounds_at_r_j() {
        let holds = |v: Fr| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let s = Fv::new_witness(cs.clone(), || Ok(v)).unwrap();
            enforce_canonical_scalar(&s).unwrap();
            assert_eq!(cs.num_constraints(), SCALAR_BITS + 1);
            cs.is_satisfied().unwrap()
        };
        let r_j = Fr::from_bigint(JubjubScalar::MODULUS).unwrap();
        assert!(holds(Fr::from(0u64)));
        assert!(holds(r_j - Fr::from(1u64)));
        assert!(!holds(r_j));
        // The largest value 252 bits of `s` can take (the check relies on `s < 2^252`).
        assert!(!holds(
            Fr::from(2u64).pow([SCALAR_BITS as u64]) - Fr::from(1u64)
        ));
    }

    #[test]
    fn disabled_check_accepts_anything() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let zero = Fv::new_witness(cs.clone(), || Ok(Fr::from(0u64))).unwrap();
        let one = Fv::new_witness(cs.clone(), || Ok(Fr::from(1u64))).unwrap();
        let sv = SignatureVar::new_witness(
            &cs,
            (Fr::from(0u64), Fr::from(1u64)),
            &JubjubScalar::from(5u64),
        )
        .unwrap();
        enforce_signature((&zero, &one), &zero, &sv, &Boolean::FALSE).unwrap();
        assert!(cs.is_satisfied().unwrap());
    }
}
