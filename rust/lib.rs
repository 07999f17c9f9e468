//! zkpov's native core. The cryptography lives in `#![forbid(unsafe_code)]` modules with no
//! Python in them, except `blst_raw`, the one module that calls blst's C API directly (each call
//! behind a length check); `bindings` (behind the `python` feature) is the only PyO3 code.
//!
//! Layers, each using only those listed before it: `error`; `field`, `blst_raw`, `bls` and
//! `poseidon`; `schnorr` and `schnorr_batch`; `state` (accounts, the sparse Merkle tree, batch transitions);
//! `circuits`; `groth16` (setup, prover, verifier, key and matrix encodings); `ceremony` (the
//! multi-party trusted setup); `bindings`.
pub mod bls;
pub mod blst_raw;
pub mod ceremony;
pub mod circuits;
pub mod error;
pub mod field;
pub mod groth16;
pub mod poseidon;
pub mod schnorr;
pub mod schnorr_batch;
pub mod state;
pub mod subgroup;

#[cfg(feature = "python")]
mod bindings;
