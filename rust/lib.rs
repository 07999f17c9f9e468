//! zkpov's native core. The cryptography lives in `#![forbid(unsafe_code)]` modules with no
//! Python in them, except `blst_raw`, the one module that calls blst's C API directly (each call
//! behind a length check); `bindings` (behind the `python` feature) is the only PyO3 code.
pub mod accounts;
pub mod bls;
pub mod blst_raw;
pub mod circuits;
pub mod error;
pub mod field;
pub mod groth16;
pub mod keys;
pub mod ledger;
pub mod msm;
pub mod poseidon;
pub mod poseidon_perm;
pub mod poseidon_wide;
pub mod prover;
#[cfg(test)]
mod prover_tests;
pub mod r1cs;
pub mod schnorr;
pub mod smt;
pub mod verifier;

#[cfg(feature = "python")]
mod bindings;
