//! The recipient-key gadget: a key that enters the tree must be a point of the prime-order
//! subgroup other than the identity, as `schnorr::decode_public_key` checks natively.
//!
//! * Subgroup: the key equals `8 * Q` for a witnessed `Q` on the curve. Jubjub's group has order
//!   `8 * r_J`, so `8 * E` is exactly the prime-order subgroup (which also puts the key on the
//!   curve): the curve equation of `Q` (3 constraints), then three doublings (15). arkworks'
//!   `new_witness` for a point does the same plus an addition to the identity (3 more).
//! * Not the identity: `x != 0`, shown by a witnessed inverse (1 constraint). In the subgroup only
//!   the identity `(0, 1)` has `x = 0`.
//!
//! Both hold under `enabled` (21 constraints with the two equalities).
#![forbid(unsafe_code)]

use super::poseidon::Fv;
use ark_bls12_381::Fr;
use ark_ec::AffineRepr;
use ark_ed_on_bls12_381::constraints::EdwardsVar;
use ark_ed_on_bls12_381::{EdwardsAffine, EdwardsProjective};
use ark_ff::{Field, Zero};
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::groups::CurveVar;
use ark_r1cs_std::R1CSVar;
use ark_relations::r1cs::{ConstraintSystemRef, SynthesisError};

/// `Q = key / 8` (the key's coordinates taken unchecked: a forged witness may be off the curve).
fn eighth(key: (Fr, Fr)) -> EdwardsProjective {
    EdwardsAffine::new_unchecked(key.0, key.1)
        .mul_by_cofactor_inv()
        .into()
}

/// Bits of Jubjub's cofactor 8.
const COFACTOR_BITS: usize = 3;

/// Enforces (when `enabled`) that `key` is a non-identity point of the prime-order subgroup;
/// `value` is the key's witness value, from which the gadget derives `Q = key / 8`.
pub fn enforce_valid_key(
    cs: &ConstraintSystemRef<Fr>,
    key: (&Fv, &Fv),
    value: (Fr, Fr),
    enabled: &Boolean<Fr>,
) -> Result<(), SynthesisError> {
    let mut on_subgroup = EdwardsVar::new_variable_omit_prime_order_check(
        cs.clone(),
        || Ok(eighth(value)),
        AllocationMode::Witness,
    )?;
    for _ in 0..COFACTOR_BITS {
        on_subgroup.double_in_place()?;
    }
    on_subgroup.x.conditional_enforce_equal(key.0, enabled)?;
    on_subgroup.y.conditional_enforce_equal(key.1, enabled)?;
    let inverse = Fv::new_witness(cs.clone(), || {
        let on = enabled.value()?;
        Ok(if on {
            value.0.inverse().unwrap_or(Fr::zero())
        } else {
            Fr::zero()
        })
    })?;
    key.0.mul_equals(&inverse, &Fv::from(enabled.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schnorr;
    use ark_ec::CurveGroup;
    use ark_relations::r1cs::ConstraintSystem;

    fn check(value: (Fr, Fr), enabled: bool) -> (bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = Fv::new_witness(cs.clone(), || Ok(value.0)).unwrap();
        let y = Fv::new_witness(cs.clone(), || Ok(value.1)).unwrap();
        let on = Boolean::new_witness(cs.clone(), || Ok(enabled)).unwrap();
        enforce_valid_key(&cs, (&x, &y), value, &on).unwrap();
        (cs.is_satisfied().unwrap(), cs.num_constraints() - 1)
    }

    fn coords(p: EdwardsAffine) -> (Fr, Fr) {
        (p.x, p.y)
    }

    #[test]
    fn accepts_keys_and_costs_21_constraints() {
        let pk = schnorr::compute_public_key(&schnorr::generate_secret_key());
        assert_eq!(check(coords(pk), true), (true, 21));
        // Padding: the identity passes when the check is off.
        assert!(check((Fr::zero(), Fr::from(1u64)), false).0);
    }

    #[test]
    fn rejects_identity_small_order_and_off_curve_keys() {
        let identity = (Fr::zero(), Fr::from(1u64));
        let order_two = (Fr::zero(), -Fr::from(1u64));
        assert!(!check(identity, true).0);
        assert!(!check(order_two, true).0);
        // A key with a small-order component: on the curve, x != 0, not in the subgroup.
        let pk = schnorr::compute_public_key(&schnorr::generate_secret_key());
        let twisted = (pk.into_group() + EdwardsAffine::new_unchecked(order_two.0, order_two.1))
            .into_affine();
        assert!(twisted.is_on_curve() && !twisted.is_in_correct_subgroup_assuming_on_curve());
        assert!(!check(coords(twisted), true).0);
        let off_curve = (pk.x, pk.y + Fr::from(1u64));
        assert!(!EdwardsAffine::new_unchecked(off_curve.0, off_curve.1).is_on_curve());
        assert!(!check(off_curve, true).0);
    }
}
