//! Poseidon's partial rounds with sparse matrices (the Poseidon paper's appendix B): the same
//! permutation, about `2W + 2` multiplications per partial round instead of `W^2 + 3`.
//!
//! A partial round maps `x` to `M S(x + c)`, where `S` raises lane 0 only. A matrix
//! `T = diag(1, D)` touches lanes 1.. only, so it commutes with `S`. Keep the true state as
//! `T_k y` (`T_0 = I`). Round `k` is then `y <- Sparse_k S(y + T_k^-1 c_k)` with
//! `M T_k = T_(k+1) Sparse_k`: `D` is the lower-right block of `M T_k`, and
//! `Sparse_k = [[a, b^T], [D^-1 c, I]]` from its first row `(a, b^T)` and first column `c`
//! (`D` is invertible: `M` is MDS, and so is `M T_k`'s block by the same argument round after
//! round; `invert` panics otherwise, and the tests would). After the last partial round the true
//! state is `T_P y`. The tests compare with the plain rounds on random states at both widths.
#![forbid(unsafe_code)]

use super::permutation::sbox;
use ark_bls12_381::Fr;
use ark_ff::{Field, One, Zero};

pub type Matrix<const W: usize> = [[Fr; W]; W];

/// One partial round: the constant to add, and `Sparse_k`'s first row and first column (the
/// column's lane 0 is unused).
pub struct SparseRound<const W: usize> {
    constant: [Fr; W],
    row: [Fr; W],
    column: [Fr; W],
}

/// All partial rounds in sparse form, and the `T_P` that ends them.
pub struct SparseRounds<const W: usize> {
    rounds: Vec<SparseRound<W>>,
    last: Matrix<W>,
}

fn identity<const W: usize>() -> Matrix<W> {
    std::array::from_fn(|i| std::array::from_fn(|j| if i == j { Fr::one() } else { Fr::zero() }))
}

pub fn mul_vector<const W: usize>(m: &Matrix<W>, v: &[Fr; W]) -> [Fr; W] {
    std::array::from_fn(|i| m[i].iter().zip(v).map(|(a, b)| *a * b).sum())
}

fn mul_matrix<const W: usize>(a: &Matrix<W>, b: &Matrix<W>) -> Matrix<W> {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..W).map(|l| a[i][l] * b[l][j]).sum()))
}

/// Gauss-Jordan inversion; panics on a singular matrix (never for Poseidon's, see the docs).
fn invert<const W: usize>(m: &Matrix<W>) -> Matrix<W> {
    let (mut a, mut inv) = (*m, identity::<W>());
    for col in 0..W {
        let pivot = (col..W)
            .find(|&r| !a[r][col].is_zero())
            .expect("invertible");
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let scale = a[col][col].inverse().expect("nonzero pivot");
        a[col]
            .iter_mut()
            .chain(inv[col].iter_mut())
            .for_each(|x| *x *= scale);
        for r in (0..W).filter(|&r| r != col) {
            let f = a[r][col];
            for j in 0..W {
                let (p, q) = (a[col][j], inv[col][j]);
                a[r][j] -= f * p;
                inv[r][j] -= f * q;
            }
        }
    }
    inv
}

/// `T_(k+1) = diag(1, D)` from `n = M T_k`.
fn lower_block<const W: usize>(n: &Matrix<W>) -> Matrix<W> {
    let mut t = identity::<W>();
    for i in 1..W {
        t[i][1..].copy_from_slice(&n[i][1..]);
    }
    t
}

impl<const W: usize> SparseRounds<W> {
    /// The sparse form of the partial rounds with constants `constants` under `mds`.
    pub fn new(mds: &Matrix<W>, constants: &[[Fr; W]]) -> Self {
        let (mut t, mut rounds) = (identity::<W>(), Vec::with_capacity(constants.len()));
        for c in constants {
            let n = mul_matrix(mds, &t);
            let next = lower_block(&n);
            let first_column = std::array::from_fn(|i| if i == 0 { Fr::zero() } else { n[i][0] });
            rounds.push(SparseRound {
                constant: mul_vector(&invert(&t), c),
                row: n[0],
                column: mul_vector(&invert(&next), &first_column),
            });
            t = next;
        }
        SparseRounds { rounds, last: t }
    }

    /// The partial rounds on `state`, in place.
    pub fn apply(&self, state: &mut [Fr; W]) {
        for round in &self.rounds {
            for (s, c) in state.iter_mut().zip(&round.constant) {
                *s += c;
            }
            sbox(&mut state[0]);
            let first = state[0];
            state[0] = round
                .row
                .iter()
                .zip(state.iter())
                .map(|(a, b)| *a * b)
                .sum();
            for (s, c) in state.iter_mut().zip(&round.column).skip(1) {
                *s += *c * first;
            }
        }
        *state = mul_vector(&self.last, state);
    }
}
