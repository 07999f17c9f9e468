//! The 4-ary Merkle path gadget (see `state::smt` for the tree). Each level places the running node
//! among its three siblings by the two index bits of that level (5 constraints: the fourth child
//! is the sum of all four minus the other three, a free linear combination) and hashes the four
//! children with width-5 Poseidon (300 constraints). The index bits are allocated once per
//! account and shared by the old and the new path.
#![forbid(unsafe_code)]

use super::poseidon::{hash4_var, Fv};
use crate::state::smt::{ARITY, NODE_TAG};
use ark_bls12_381::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::prelude::CondSelectGadget;
use ark_relations::r1cs::{ConstraintSystemRef, SynthesisError};

/// The siblings of one level, as variables.
pub type SiblingVars = [Fv; ARITY - 1];

/// An account index as `depth` Boolean witnesses, little-endian (one constraint per bit).
pub fn alloc_index_bits(
    cs: &ConstraintSystemRef<Fr>,
    index: u64,
    depth: u32,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    (0..depth)
        .map(|i| Boolean::new_witness(cs.clone(), || Ok((index >> i) & 1 == 1)))
        .collect()
}

/// Allocates the siblings of a path as witnesses.
pub fn alloc_siblings(
    cs: &ConstraintSystemRef<Fr>,
    siblings: &[[Fr; ARITY - 1]],
) -> Result<Vec<SiblingVars>, SynthesisError> {
    siblings
        .iter()
        .map(|row| {
            let var = |x: &Fr| Fv::new_witness(cs.clone(), || Ok(*x));
            Ok([var(&row[0])?, var(&row[1])?, var(&row[2])?])
        })
        .collect()
}

fn select(bit: &Boolean<Fr>, yes: &Fv, no: &Fv) -> Result<Fv, SynthesisError> {
    Fv::conditionally_select(bit, yes, no)
}

/// The children `[c0, c1, c2, c3]` with `node` at digit `b0 + 2 b1`.
pub fn place_children(
    node: &Fv,
    b0: &Boolean<Fr>,
    b1: &Boolean<Fr>,
    s: &SiblingVars,
) -> Result<[Fv; ARITY], SynthesisError> {
    // digit: 0 -> [n, s0, s1, s2], 1 -> [s0, n, s1, s2], 2 -> [s0, s1, n, s2], 3 -> [s0, s1, s2, n]
    let c1 = select(b1, &s[1], &select(b0, node, &s[0])?)?;
    let q = select(b0, &s[2], node)?;
    let c2 = select(b1, &q, &s[1])?;
    let c3 = select(b1, &(node + &s[2] - &q), &s[2])?;
    let c0 = node + &s[0] + &s[1] + &s[2] - &c1 - &c2 - &c3;
    Ok([c0, c1, c2, c3])
}

/// The root reached from `leaf` along the path of `bits` (2 per level, low digit first).
pub fn compute_root_var(
    leaf: &Fv,
    bits: &[Boolean<Fr>],
    siblings: &[SiblingVars],
) -> Result<Fv, SynthesisError> {
    let mut node = leaf.clone();
    for (level, sib) in siblings.iter().enumerate() {
        let c = place_children(&node, &bits[2 * level], &bits[2 * level + 1], sib)?;
        node = hash4_var(NODE_TAG, [&c[0], &c[1], &c[2], &c[3]])?;
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::smt::{MemoryStore, TreeShape};
    use ark_r1cs_std::R1CSVar;
    use ark_relations::r1cs::ConstraintSystem;

    #[test]
    fn gadget_root_matches_native_root_for_every_digit() {
        let shape = TreeShape::new(6).unwrap();
        let mut store = MemoryStore::default();
        for i in 0..12u64 {
            shape.process_update(&mut store, i * 5, Fr::from(i + 1));
        }
        for index in [0u64, 1, 2, 3, 5, 27, 40, 63] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let leaf = shape.get_node(&store, 0, index);
            let leaf_var = Fv::new_witness(cs.clone(), || Ok(leaf)).unwrap();
            let bits = alloc_index_bits(&cs, index, 6).unwrap();
            let sib = alloc_siblings(&cs, &shape.get_siblings(&store, index)).unwrap();
            let root = compute_root_var(&leaf_var, &bits, &sib).unwrap();
            assert_eq!(root.value().unwrap(), shape.get_root(&store));
            assert!(cs.is_satisfied().unwrap());
        }
    }

    #[test]
    fn placing_costs_five_constraints() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let n = Fv::new_witness(cs.clone(), || Ok(Fr::from(9u64))).unwrap();
        let bits = alloc_index_bits(&cs, 2, 2).unwrap();
        let sib = alloc_siblings(&cs, &[[Fr::from(1u64), Fr::from(2u64), Fr::from(3u64)]]).unwrap();
        let before = cs.num_constraints();
        let c = place_children(&n, &bits[0], &bits[1], &sib[0]).unwrap();
        assert_eq!(cs.num_constraints() - before, 5);
        let values: Vec<Fr> = c.iter().map(|x| x.value().unwrap()).collect();
        assert_eq!(values, [1u64, 2, 9, 3].map(Fr::from));
    }
}
