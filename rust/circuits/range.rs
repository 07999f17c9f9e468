//! Range checks: `x < 2^n` by decomposing into `n` Boolean witnesses whose weighted sum must equal
//! `x` (n + 1 constraints). A value at or above 2^n has no such decomposition, so the constraint
//! system is unsatisfiable.
#![forbid(unsafe_code)]

use super::poseidon::Fv;
use ark_bls12_381::Fr;
use ark_r1cs_std::boolean::Boolean;
use ark_relations::r1cs::SynthesisError;

/// Bits of an amount or balance.
pub const AMOUNT_BITS: usize = 64;

/// Enforces `0 <= x < 2^bits` and returns the bits, little-endian.
pub fn enforce_range(x: &Fv, bits: usize) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    Ok(x.to_bits_le_with_top_bits_zero(bits)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_r1cs_std::alloc::AllocVar;
    use ark_relations::r1cs::ConstraintSystem;

    fn holds(value: Fr) -> bool {
        let cs = ark_relations::r1cs::ConstraintSystem::<Fr>::new_ref();
        let x = Fv::new_witness(cs.clone(), || Ok(value)).unwrap();
        enforce_range(&x, AMOUNT_BITS).unwrap();
        assert_eq!(cs.num_constraints(), AMOUNT_BITS + 1);
        cs.is_satisfied().unwrap()
    }

    #[test]
    fn accepts_below_two_to_the_64_and_rejects_above() {
        assert!(holds(Fr::from(0u64)));
        assert!(holds(Fr::from(u64::MAX)));
        assert!(!holds(Fr::from(u64::MAX) + Fr::from(1u64)));
        assert!(!holds(-Fr::from(1u64)));
        let _ = ConstraintSystem::<Fr>::new_ref();
    }
}
