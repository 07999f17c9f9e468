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
#![forbid(unsafe_code)]

use ark_bls12_381::Fr;
use ark_crypto_primitives::sponge::poseidon::{find_poseidon_ark_and_mds, PoseidonConfig};
use ark_ff::{Field, Zero};
use std::sync::OnceLock;

pub const WIDTH: usize = 3;
pub const FULL_ROUNDS: usize = 8;
pub const PARTIAL_ROUNDS: usize = 57;
pub const ALPHA: u64 = 5;
pub const RATE: usize = 2;

/// Round constants (one row of `WIDTH` per round) and the MDS matrix.
pub struct PoseidonParams {
    pub ark: Vec<[Fr; WIDTH]>,
    pub mds: [[Fr; WIDTH]; WIDTH],
}

static PARAMS: OnceLock<PoseidonParams> = OnceLock::new();

fn to_row(v: &[Fr]) -> [Fr; WIDTH] {
    [v[0], v[1], v[2]]
}

/// The parameters, generated once per process by the Grain LFSR.
pub fn params() -> &'static PoseidonParams {
    PARAMS.get_or_init(|| {
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
            255,
            RATE,
            FULL_ROUNDS as u64,
            PARTIAL_ROUNDS as u64,
            0,
        );
        PoseidonParams {
            ark: ark.iter().map(|r| to_row(r)).collect(),
            mds: [to_row(&mds[0]), to_row(&mds[1]), to_row(&mds[2])],
        }
    })
}

/// The same parameters as an arkworks sponge configuration (for `PoseidonSpongeVar`).
pub fn sponge_config() -> PoseidonConfig<Fr> {
    let p = params();
    PoseidonConfig::new(
        FULL_ROUNDS,
        PARTIAL_ROUNDS,
        ALPHA,
        p.mds.iter().map(|r| r.to_vec()).collect(),
        p.ark.iter().map(|r| r.to_vec()).collect(),
        RATE,
        1,
    )
}

fn sbox(x: &mut Fr) {
    let x2 = x.square();
    *x *= x2.square();
}

fn mix(state: &mut [Fr; WIDTH], mds: &[[Fr; WIDTH]; WIDTH]) {
    let s = *state;
    for (out, row) in state.iter_mut().zip(mds.iter()) {
        *out = row[0] * s[0] + row[1] * s[1] + row[2] * s[2];
    }
}

fn is_full_round(round: usize) -> bool {
    !(FULL_ROUNDS / 2..FULL_ROUNDS / 2 + PARTIAL_ROUNDS).contains(&round)
}

/// The Poseidon permutation, in place.
pub fn permute(state: &mut [Fr; WIDTH]) {
    let p = params();
    for (round, rc) in p.ark.iter().enumerate() {
        for (s, c) in state.iter_mut().zip(rc.iter()) {
            *s += c;
        }
        if is_full_round(round) {
            state.iter_mut().for_each(sbox);
        } else {
            sbox(&mut state[0]);
        }
        mix(state, &p.mds);
    }
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
    use ark_crypto_primitives::sponge::{poseidon::PoseidonSponge, CryptographicSponge};

    #[test]
    fn hash2_matches_arkworks_sponge() {
        let (a, b) = (Fr::from(7u64), Fr::from(11u64));
        let mut sponge = PoseidonSponge::new(&sponge_config());
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
