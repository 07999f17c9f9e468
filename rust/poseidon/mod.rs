//! Poseidon over BLS12-381 Fr: t = 3, alpha = 5, R_F = 8, R_P = 57, Grain-LFSR constants
//! (the reference `poseidonperm_x5_255_3`, reproduced by arkworks'
//! `find_poseidon_ark_and_mds(255, 2, 8, 57, 0)`).
//!
//! Lane convention (the circuits use the same):
//! * `hash2(a, b) = permute([0, a, b])[1]`: lane 0 is the capacity, `a` and `b` enter the two rate
//!   lanes and the output is the first rate lane. This equals arkworks' `PoseidonSponge` with
//!   rate 2, capacity 1: `absorb(a, b); squeeze(1)`.
//! * `hash_n(xs)`: a sponge whose capacity lane starts at `len(xs)` (length domain separation, so
//!   `[a]` and `[a, 0]` differ); each pair is added to lanes 1 and 2, then permuted; output lane 1.
//!
//! `permutation` is the permutation for any width; `wide` is its t = 5 instance, which hashes the
//! account tree.
#![forbid(unsafe_code)]

pub mod permutation;
pub mod sparse;
pub mod wide;

use ark_bls12_381::Fr;
use ark_ff::Zero;
use permutation::Permutation;
use std::sync::OnceLock;

pub const WIDTH: usize = 3;
pub const FULL_ROUNDS: usize = 8;
pub const PARTIAL_ROUNDS: usize = 57;
pub const RATE: usize = 2;

/// Round constants (one row of `WIDTH` per round) and the MDS matrix.
pub type PoseidonParams = Permutation<WIDTH>;

static PARAMS: OnceLock<PoseidonParams> = OnceLock::new();

/// The parameters, generated once per process by the Grain LFSR.
pub fn params() -> &'static PoseidonParams {
    PARAMS.get_or_init(|| Permutation::generate(FULL_ROUNDS, PARTIAL_ROUNDS))
}

/// The Poseidon permutation, in place.
pub fn permute(state: &mut [Fr; WIDTH]) {
    params().permute(state)
}

/// Two-to-one hash (Merkle nodes, leaves of fixed arity): `permute([0, a, b])[1]`.
pub fn hash2(a: Fr, b: Fr) -> Fr {
    let mut state = [Fr::zero(), a, b];
    permute(&mut state);
    state[1]
}

/// Variable-length hash with the length in the capacity lane (see the module docs).
pub fn hash_n(xs: &[Fr]) -> Fr {
    let mut state = [Fr::from(xs.len() as u64), Fr::zero(), Fr::zero()];
    if xs.is_empty() {
        permute(&mut state);
    }
    for chunk in xs.chunks(RATE) {
        for (lane, x) in chunk.iter().enumerate() {
            state[1 + lane] += x;
        }
        permute(&mut state);
    }
    state[1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_crypto_primitives::sponge::poseidon::PoseidonSponge;
    use ark_crypto_primitives::sponge::CryptographicSponge;

    #[test]
    fn hash2_matches_arkworks_sponge() {
        let (a, b) = (Fr::from(7u64), Fr::from(11u64));
        let mut sponge = PoseidonSponge::new(&params().to_arkworks_config());
        sponge.absorb(&vec![a, b]);
        let out: Vec<Fr> = sponge.squeeze_field_elements(1);
        assert_eq!(out[0], hash2(a, b));
    }

    #[test]
    fn hash_n_separates_lengths() {
        let a = Fr::from(5u64);
        assert_ne!(hash_n(&[a]), hash_n(&[a, Fr::zero()]));
        assert_ne!(hash_n(&[]), hash_n(&[Fr::zero()]));
    }

    #[test]
    fn round_count() {
        assert_eq!(params().ark.len(), FULL_ROUNDS + PARTIAL_ROUNDS);
    }
}
