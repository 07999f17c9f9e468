//! The Poseidon permutation over BLS12-381 Fr for any width `W` (alpha = 5), with the Grain-LFSR
//! constants of arkworks' `find_poseidon_ark_and_mds(255, W - 1, R_F, R_P, 0)`. `poseidon`
//! (t = 3) and `poseidon::wide` (t = 5) are its two instances; the R1CS version is
//! `circuits::permutation`.
#![forbid(unsafe_code)]

use super::sparse::SparseRounds;
use ark_bls12_381::Fr;
use ark_crypto_primitives::sponge::poseidon::find_poseidon_ark_and_mds;
use ark_ff::Field;

pub const ALPHA: u64 = 5;

/// Round constants (one row of `W` per round), the MDS matrix, and the round counts; the
/// partial rounds also in sparse form (`super::sparse`), which `permute` runs.
pub struct Permutation<const W: usize> {
    pub ark: Vec<[Fr; W]>,
    pub mds: [[Fr; W]; W],
    pub full_rounds: usize,
    pub partial_rounds: usize,
    sparse: SparseRounds<W>,
}

fn to_row<const W: usize>(v: &[Fr]) -> [Fr; W] {
    std::array::from_fn(|i| v[i])
}

/// True for the first and last `full_rounds / 2` rounds.
pub fn is_full_round(round: usize, full_rounds: usize, partial_rounds: usize) -> bool {
    round < full_rounds / 2 || round >= full_rounds / 2 + partial_rounds
}

/// `x^5`.
#[inline(always)]
pub fn sbox(x: &mut Fr) {
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
        let ark: Vec<[Fr; W]> = ark.iter().map(|r| to_row(r)).collect();
        let mds = std::array::from_fn(|i| to_row(&mds[i]));
        let half = full_rounds / 2;
        let sparse = SparseRounds::new(&mds, &ark[half..half + partial_rounds]);
        Permutation {
            ark,
            mds,
            full_rounds,
            partial_rounds,
            sparse,
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

    fn full_round(&self, state: &mut [Fr; W], round: usize) {
        for (s, c) in state.iter_mut().zip(self.ark[round].iter()) {
            *s += c;
        }
        state.iter_mut().for_each(sbox);
        self.mix(state);
    }

    /// The permutation, in place: full rounds, the partial rounds in sparse form, full rounds.
    pub fn permute(&self, state: &mut [Fr; W]) {
        let half = self.full_rounds / 2;
        (0..half).for_each(|round| self.full_round(state, round));
        self.sparse.apply(state);
        (half + self.partial_rounds..self.ark.len())
            .for_each(|round| self.full_round(state, round));
    }

    /// The permutation round by round as the paper writes it (what `permute` must equal).
    pub fn permute_plain(&self, state: &mut [Fr; W]) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;

    fn sparse_equals_plain<const W: usize>(partial_rounds: usize) {
        let perm = Permutation::<W>::generate(8, partial_rounds);
        let mut rng = ark_std::test_rng();
        for _ in 0..50 {
            let mut fast: [Fr; W] = std::array::from_fn(|_| Fr::rand(&mut rng));
            let mut plain = fast;
            perm.permute(&mut fast);
            perm.permute_plain(&mut plain);
            assert_eq!(fast, plain);
        }
    }

    #[test]
    fn sparse_partial_rounds_equal_the_plain_rounds() {
        sparse_equals_plain::<3>(57);
        sparse_equals_plain::<5>(60);
        sparse_equals_plain::<3>(1);
    }
}
