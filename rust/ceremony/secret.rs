//! Secrets a contribution multiplies in, wiped from memory when dropped.
#![forbid(unsafe_code)]

use ark_bls12_381::Fr;
use ark_ff::{Field, UniformRand, Zero};
use rand::Rng;
use zeroize::Zeroize;

/// One nonzero secret scalar; zeroized on drop.
pub struct Secret(Fr);

impl Secret {
    /// A uniformly random nonzero scalar.
    pub fn sample<R: Rng>(rng: &mut R) -> Secret {
        loop {
            let x = Fr::rand(rng);
            if !x.is_zero() {
                return Secret(x);
            }
        }
    }

    /// A known value (tests and the equivalence check); `None` for zero.
    pub fn from_value(x: Fr) -> Option<Secret> {
        (!x.is_zero()).then_some(Secret(x))
    }

    pub fn value(&self) -> &Fr {
        &self.0
    }

    pub fn inverse(&self) -> Secret {
        Secret(self.0.inverse().expect("nonzero"))
    }

    /// `x^0 .. x^(n-1)`, zeroized on drop like the secret.
    pub fn powers(&self, n: usize) -> Powers {
        let mut out = Vec::with_capacity(n);
        let mut p = Fr::from(1u64);
        for _ in 0..n {
            out.push(p);
            p *= self.0;
        }
        p.zeroize();
        Powers(out)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Powers of a secret; zeroized on drop.
pub struct Powers(pub Vec<Fr>);

impl Drop for Powers {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}
