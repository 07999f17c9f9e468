//! zkpov's native core. The cryptography lives in `#![forbid(unsafe_code)]` modules with no
//! Python in them; `bindings` (behind the `python` feature) is the only PyO3 code.
pub mod bls;
pub mod error;
pub mod field;
pub mod poseidon;

#[cfg(feature = "python")]
mod bindings;
