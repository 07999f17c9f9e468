//! Poseidon over BLS12-381 Fr with width t = 5 (rate 4, capacity 1): alpha = 5, R_F = 8,
//! R_P = 60, Grain-LFSR constants from arkworks' `find_poseidon_ark_and_mds(255, 4, 8, 60, 0)`
//! (the parameter set of the reference `poseidonperm_x5_255_5`).
//!
//! It hashes the account tree: the tree is 4-ary, so one permutation hashes a whole node (four
//! children) or a whole leaf (pk_x, pk_y, balance, nonce). In R1CS a t = 5 permutation costs 300
//! constraints against 243 for t = 3, but it replaces two binary levels (486 constraints); see
//! `state::smt` for the constraint budget this buys.
//!
//! `hash4(tag, [a, b, c, d]) = permute([tag, a, b, c, d])[1]`: lane 0 (the capacity) carries a
//! domain tag, the four inputs fill the rate lanes and the output is lane 1.
#![forbid(unsafe_code)]

use super::permutation::Permutation;
use ark_bls12_381::Fr;
use std::sync::OnceLock;

pub use super::permutation::{is_full_round, ALPHA};
pub const WIDTH: usize = 5;
pub const RATE: usize = 4;
pub const FULL_ROUNDS: usize = 8;
pub const PARTIAL_ROUNDS: usize = 60;

static PARAMS: OnceLock<Permutation<WIDTH>> = OnceLock::new();

/// The parameters, generated once per process.
pub fn params() -> &'static Permutation<WIDTH> {
    PARAMS.get_or_init(|| Permutation::generate(FULL_ROUNDS, PARTIAL_ROUNDS))
}

/// The width-5 Poseidon permutation, in place.
pub fn permute(state: &mut [Fr; WIDTH]) {
    params().permute(state)
}

/// Four-to-one hash with a domain tag in the capacity lane.
pub fn hash4(tag: u64, xs: [Fr; RATE]) -> Fr {
    let mut state = [Fr::from(tag), xs[0], xs[1], xs[2], xs[3]];
    permute(&mut state);
    state[1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_crypto_primitives::sponge::poseidon::PoseidonSponge;
    use ark_crypto_primitives::sponge::CryptographicSponge;

    #[test]
    fn permutation_matches_arkworks_sponge() {
        let xs: Vec<Fr> = (1..=4u64).map(Fr::from).collect();
        let mut sponge = PoseidonSponge::new(&params().to_arkworks_config());
        sponge.absorb(&xs);
        let out: Vec<Fr> = sponge.squeeze_field_elements(1);
        assert_eq!(out[0], hash4(0, [xs[0], xs[1], xs[2], xs[3]]));
    }

    #[test]
    fn tag_separates_domains() {
        let xs = [Fr::from(1u64); 4];
        assert_ne!(hash4(0, xs), hash4(1, xs));
        assert_eq!(params().ark.len(), FULL_ROUNDS + PARTIAL_ROUNDS);
    }
}
