//! Poseidon permutations in R1CS, equal to the native `poseidon` (t = 3) and `poseidon::wide`
//! (t = 5). Round constants and the MDS mix stay linear combinations, so a permutation costs
//! only its S-boxes: 3 constraints each (x^2, x^4, x^5), 243 for t = 3 and 300 for t = 5
//! (fewer when a lane starts as a constant, as the capacity lane does).
#![forbid(unsafe_code)]

pub use super::permutation::permute_var;
use crate::poseidon::{self, wide};
use ark_bls12_381::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::r1cs::SynthesisError;
use std::sync::OnceLock;

pub type Fv = FpVar<Fr>;

/// A permutation's constants: `ark` has one row of `width` per round.
pub struct PoseidonSpec {
    pub ark: Vec<Vec<Fr>>,
    pub mds: Vec<Vec<Fr>>,
    pub full_rounds: usize,
    pub partial_rounds: usize,
}

static SPEC3: OnceLock<PoseidonSpec> = OnceLock::new();

/// The t = 3 permutation of `crate::poseidon`.
pub fn spec3() -> &'static PoseidonSpec {
    SPEC3.get_or_init(|| {
        let p = poseidon::params();
        PoseidonSpec {
            ark: p.ark_rows(),
            mds: p.mds_rows(),
            full_rounds: poseidon::FULL_ROUNDS,
            partial_rounds: poseidon::PARTIAL_ROUNDS,
        }
    })
}

static SPEC5: OnceLock<PoseidonSpec> = OnceLock::new();

/// The t = 5 permutation of `crate::poseidon::wide`.
pub fn spec5() -> &'static PoseidonSpec {
    SPEC5.get_or_init(|| {
        let p = wide::params();
        PoseidonSpec {
            ark: p.ark_rows(),
            mds: p.mds_rows(),
            full_rounds: wide::FULL_ROUNDS,
            partial_rounds: wide::PARTIAL_ROUNDS,
        }
    })
}

/// `poseidon::hash2`: `permute([0, a, b])[1]`.
pub fn hash2_var(a: &Fv, b: &Fv) -> Result<Fv, SynthesisError> {
    let mut state = vec![Fv::zero(), a.clone(), b.clone()];
    permute_var(spec3(), &mut state)?;
    Ok(state.swap_remove(1))
}

/// `poseidon::hash_n`: capacity starts at the input length; pairs are added, then permuted.
pub fn hash_n_var(xs: &[Fv]) -> Result<Fv, SynthesisError> {
    let mut state = vec![
        Fv::constant(Fr::from(xs.len() as u64)),
        Fv::zero(),
        Fv::zero(),
    ];
    if xs.is_empty() {
        permute_var(spec3(), &mut state)?;
    }
    for chunk in xs.chunks(poseidon::RATE) {
        for (lane, x) in chunk.iter().enumerate() {
            state[1 + lane] += x;
        }
        permute_var(spec3(), &mut state)?;
    }
    Ok(state.swap_remove(1))
}

/// `poseidon::wide::hash4`: `permute5([tag, a, b, c, d])[1]`.
pub fn hash4_var(tag: u64, xs: [&Fv; 4]) -> Result<Fv, SynthesisError> {
    let mut state = vec![Fv::constant(Fr::from(tag))];
    state.extend(xs.iter().map(|x| (*x).clone()));
    permute_var(spec5(), &mut state)?;
    Ok(state.swap_remove(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_r1cs_std::alloc::AllocVar;
    use ark_r1cs_std::R1CSVar;
    use ark_relations::r1cs::ConstraintSystem;

    fn witnesses(cs: &ark_relations::r1cs::ConstraintSystemRef<Fr>, xs: &[u64]) -> Vec<Fv> {
        xs.iter()
            .map(|x| Fv::new_witness(cs.clone(), || Ok(Fr::from(*x))).unwrap())
            .collect()
    }

    #[test]
    fn gadgets_match_native_hashes() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let v = witnesses(&cs, &[3, 5, 7, 11, 13]);
        let f: Vec<Fr> = [3u64, 5, 7, 11, 13].iter().map(|x| Fr::from(*x)).collect();
        assert_eq!(
            hash2_var(&v[0], &v[1]).unwrap().value().unwrap(),
            poseidon::hash2(f[0], f[1])
        );
        for n in 0..=5 {
            let got = hash_n_var(&v[..n]).unwrap().value().unwrap();
            assert_eq!(got, poseidon::hash_n(&f[..n]));
        }
        let got = hash4_var(1, [&v[0], &v[1], &v[2], &v[3]])
            .unwrap()
            .value()
            .unwrap();
        assert_eq!(got, wide::hash4(1, [f[0], f[1], f[2], f[3]]));
        assert!(cs.is_satisfied().unwrap());
    }

    #[test]
    fn constraint_counts_are_the_sbox_counts() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let v = witnesses(&cs, &[1, 2, 3, 4, 5]);
        let mut s3 = v[..3].to_vec();
        permute_var(spec3(), &mut s3).unwrap();
        assert_eq!(cs.num_constraints(), 243);
        let mut s5 = v.clone();
        permute_var(spec5(), &mut s5).unwrap();
        assert_eq!(cs.num_constraints(), 243 + 300);
    }
}
