//! Poseidon over BLS12-381 Fr with width t = 5 (rate 4, capacity 1): alpha = 5, R_F = 8,
//! R_P = 60, Grain-LFSR constants from arkworks' `find_poseidon_ark_and_mds(255, 4, 8, 60, 0)`
//! (the parameter set of the reference `poseidonperm_x5_255_5`).
//!
//! It hashes the account tree: the tree is 4-ary, so one permutation hashes a whole node (four
//! children) or a whole leaf (pk_x, pk_y, balance, nonce). In R1CS a t = 5 permutation costs 300
//! constraints against 243 for t = 3, but it replaces two binary levels (486 constraints); see
//! `smt.rs` for the constraint budget this buys.
//!
//! `hash4(tag, [a, b, c, d]) = permute([tag, a, b, c, d])[1]`: lane 0 (the capacity) carries a
//! domain tag, the four inputs fill the rate lanes and the output is lane 1.
#![forbid(unsafe_code)]

use ark_bls12_381::Fr;
use ark_crypto_primitives::sponge::poseidon::find_poseidon_ark_and_mds;
use ark_ff::Field;
use std::sync::OnceLock;

pub const WIDTH: usize = 5;
pub const RATE: usize = 4;
pub const FULL_ROUNDS: usize = 8;
pub const PARTIAL_ROUNDS: usize = 60;
pub const ALPHA: u64 = 5;

/// Round constants (one row per round) and the MDS matrix, as rows.
pub struct WideParams {
    pub ark: Vec<Vec<Fr>>,
    pub mds: Vec<Vec<Fr>>,
}

static PARAMS: OnceLock<WideParams> = OnceLock::new();

/// The parameters, generated once per process.
pub fn params() -> &'static WideParams {
    PARAMS.get_or_init(|| {
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
            255,
            RATE,
            FULL_ROUNDS as u64,
            PARTIAL_ROUNDS as u64,
            0,
        );
        WideParams { ark, mds }
    })
}

/// True for the first and last `FULL_ROUNDS / 2` rounds.
pub fn is_full_round(round: usize, full_rounds: usize, partial_rounds: usize) -> bool {
    round < full_rounds / 2 || round >= full_rounds / 2 + partial_rounds
}

fn sbox(x: &mut Fr) {
    let x2 = x.square();
    *x *= x2.square();
}

fn mix(state: &mut [Fr; WIDTH], mds: &[Vec<Fr>]) {
    let s = *state;
    for (out, row) in state.iter_mut().zip(mds.iter()) {
        *out = row.iter().zip(s.iter()).map(|(m, x)| *m * x).sum();
    }
}

/// The width-5 Poseidon permutation, in place.
pub fn permute(state: &mut [Fr; WIDTH]) {
    let p = params();
    for (round, rc) in p.ark.iter().enumerate() {
        for (s, c) in state.iter_mut().zip(rc.iter()) {
            *s += c;
        }
        if is_full_round(round, FULL_ROUNDS, PARTIAL_ROUNDS) {
            state.iter_mut().for_each(sbox);
        } else {
            sbox(&mut state[0]);
        }
        mix(state, &p.mds);
    }
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
    use ark_crypto_primitives::sponge::poseidon::{PoseidonConfig, PoseidonSponge};
    use ark_crypto_primitives::sponge::CryptographicSponge;

    fn arkworks_config() -> PoseidonConfig<Fr> {
        let p = params();
        PoseidonConfig::new(
            FULL_ROUNDS,
            PARTIAL_ROUNDS,
            ALPHA,
            p.mds.clone(),
            p.ark.clone(),
            RATE,
            1,
        )
    }

    #[test]
    fn permutation_matches_arkworks_sponge() {
        let xs: Vec<Fr> = (1..=4u64).map(Fr::from).collect();
        let mut sponge = PoseidonSponge::new(&arkworks_config());
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
