//! The Poseidon permutation over BLS12-381 Fr for any width `W` (alpha = 5), with the Grain-LFSR
//! constants of arkworks' `find_poseidon_ark_and_mds(255, W - 1, R_F, R_P, 0)`. `poseidon`
//! (t = 3) and `poseidon::wide` (t = 5) are its two instances; the R1CS version is
//! `circuits::permutation`.
#![forbid(unsafe_code)]

use ark_bls12_381::Fr;
use ark_crypto_primitives::sponge::poseidon::find_poseidon_ark_and_mds;
use ark_ff::Field;

pub const ALPHA: u64 = 5;

/// Round constants (one row of `W` per round), the MDS matrix, and the round counts.
pub struct Permutation<const W: usize> {
    pub ark: Vec<[Fr; W]>,
    pub mds: [[Fr; W]; W],
    pub full_rounds: usize,
    pub partial_rounds: usize,
}

fn to_row<const W: usize>(v: &[Fr]) -> [Fr; W] {
    std::array::from_fn(|i| v[i])
}

/// True for the first and last `full_rounds / 2` rounds.
pub fn is_full_round(round: usize, full_rounds: usize, partial_rounds: usize) -> bool {
    round < full_rounds / 2 || round >= full_rounds / 2 + partial_rounds
}

fn sbox(x: &mut Fr) {
    let x2 = x.square();
    *x *= x2.square();
}

impl<const W: usize> Permutation<W> {
    /// The constants for rate `W - 1` and capacity 1 from the Grain LFSR.
    pub fn generate(full_rounds: usize, partial_rounds: usize) -> Self {
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
            255,
            W - 1,
            full_rounds as u64,
            partial_rounds as u64,
            0,
        );
        Permutation {
            ark: ark.iter().map(|r| to_row(r)).collect(),
            mds: std::array::from_fn(|i| to_row(&mds[i])),
            full_rounds,
            partial_rounds,
        }
    }

    /// Round constants as rows of vectors (for arkworks configurations and R1CS specs).
    pub fn ark_rows(&self) -> Vec<Vec<Fr>> {
        self.ark.iter().map(|r| r.to_vec()).collect()
    }

    /// The MDS matrix as rows of vectors.
    pub fn mds_rows(&self) -> Vec<Vec<Fr>> {
        self.mds.iter().map(|r| r.to_vec()).collect()
    }

    fn mix(&self, state: &mut [Fr; W]) {
        let s = *state;
        for (out, row) in state.iter_mut().zip(self.mds.iter()) {
            *out = row.iter().zip(s.iter()).map(|(m, x)| *m * x).sum();
        }
    }

    /// The permutation, in place.
    pub fn permute(&self, state: &mut [Fr; W]) {
        for (round, rc) in self.ark.iter().enumerate() {
            for (s, c) in state.iter_mut().zip(rc.iter()) {
                *s += c;
            }
            if is_full_round(round, self.full_rounds, self.partial_rounds) {
                state.iter_mut().for_each(sbox);
            } else {
                sbox(&mut state[0]);
            }
            self.mix(state);
        }
    }
}

#[cfg(test)]
impl<const W: usize> Permutation<W> {
    /// The same constants as an arkworks sponge configuration (rate `W - 1`, capacity 1), which
    /// the tests of each width compare against.
    pub fn to_arkworks_config(
        &self,
    ) -> ark_crypto_primitives::sponge::poseidon::PoseidonConfig<Fr> {
        ark_crypto_primitives::sponge::poseidon::PoseidonConfig::new(
            self.full_rounds,
            self.partial_rounds,
            ALPHA,
            self.mds_rows(),
            self.ark_rows(),
            W - 1,
            1,
        )
    }
}
