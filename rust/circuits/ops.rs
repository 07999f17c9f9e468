//! The kind rules of a slot (`transfer::alloc_kind` witnesses the flags, op code and target):
//!
//! 1. `is_stake` and `is_payout` are not both set;
//! 2. not a staking slot: `op == 255 * is_payout` (a transfer is op 0, a payout op 255);
//! 3. a staking slot: `op` is one of 1..=5 (`(op-1)(op-2)(op-3)(op-4)(op-5) == 0`);
//! 4. not a staking slot: `target == 0`;
//! 5. a staking slot with an op other than create_validator (1) or delegate (2) moves no bond:
//!    `(op-1)(op-2) * amount == 0`.
//!
//! The op code is in the signed message, so the kind is a function of what was signed (and, for
//! a payout, of the committed terms): a signature made for one op code or kind fits no other,
//! and no flag can turn a transfer's signature into a debit without a credit. 10 constraints.
#![forbid(unsafe_code)]

use super::poseidon::Fv;
use crate::state::operations::{MAX_STAKE_OP, OP_PAYOUT};
use ark_bls12_381::Fr;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::r1cs::SynthesisError;

/// Bits of a staking op's target (a validator's registry index).
pub const TARGET_BITS: usize = 32;

/// `op - k` as a linear combination.
fn minus(op: &Fv, k: u8) -> Fv {
    op - Fr::from(u64::from(k))
}

/// Enforces rules 1-5 above.
pub fn enforce_kind_rules(
    op: &Fv,
    target: &Fv,
    amount: &Fv,
    is_stake: &Boolean<Fr>,
    is_payout: &Boolean<Fr>,
) -> Result<(), SynthesisError> {
    let (stake, payout) = (Fv::from(is_stake.clone()), Fv::from(is_payout.clone()));
    let not_stake = Fv::one() - &stake;
    stake.mul_equals(&payout, &Fv::zero())?;
    let expected = &payout * Fr::from(u64::from(OP_PAYOUT));
    (op - &expected).mul_equals(&not_stake, &Fv::zero())?;
    let bonding = minus(op, 1) * minus(op, 2);
    let mut codes = bonding.clone();
    for k in 3..=MAX_STAKE_OP {
        codes *= minus(op, k);
    }
    codes.mul_equals(&stake, &Fv::zero())?;
    target.mul_equals(&not_stake, &Fv::zero())?;
    (bonding * amount).mul_equals(&stake, &Fv::zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_r1cs_std::alloc::AllocVar;
    use ark_relations::r1cs::ConstraintSystem;

    /// `(satisfied, constraints)` for `(op, target, amount, stake, payout)`.
    fn check(op: u64, target: u64, amount: u64, stake: bool, payout: bool) -> (bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let w = |v: u64| Fv::new_witness(cs.clone(), || Ok(Fr::from(v))).unwrap();
        let (op, target, amount) = (w(op), w(target), w(amount));
        let s = Boolean::new_witness(cs.clone(), || Ok(stake)).unwrap();
        let p = Boolean::new_witness(cs.clone(), || Ok(payout)).unwrap();
        let before = cs.num_constraints();
        enforce_kind_rules(&op, &target, &amount, &s, &p).unwrap();
        (cs.is_satisfied().unwrap(), cs.num_constraints() - before)
    }

    #[test]
    fn honest_kinds_hold_in_10_constraints() {
        assert_eq!(check(0, 0, 5, false, false), (true, 10));
        assert!(check(255, 0, 5, false, true).0);
        for op in 1..=5 {
            let bond = u64::from(op <= 2) * 7;
            assert!(check(op, 9, bond, true, false).0, "op {op}");
        }
    }

    #[test]
    fn forged_kinds_fail() {
        assert!(
            !check(0, 0, 5, true, false).0,
            "a transfer's op as a staking slot"
        );
        assert!(!check(6, 0, 0, true, false).0, "an unknown staking op");
        assert!(
            !check(255, 0, 0, true, false).0,
            "a payout's op as a staking slot"
        );
        assert!(!check(2, 0, 5, false, false).0, "a delegate as a transfer");
        assert!(!check(0, 0, 5, false, true).0, "a transfer as a payout");
        assert!(!check(255, 0, 5, true, true).0, "both flags");
        assert!(!check(0, 3, 5, false, false).0, "a transfer with a target");
        assert!(
            !check(3, 1, 5, true, false).0,
            "an undelegate moving a bond"
        );
        assert!(!check(4, 1, 1, true, false).0, "a withdraw moving a bond");
    }
}
