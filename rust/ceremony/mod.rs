//! A multi-party trusted-setup ceremony for Groth16 over BLS12-381, after Zcash's `powersoftau`
//! and `phase2` (Bowe, Gabizon, Miers: "Scalable multi-party computation for zk-SNARK
//! parameters", 2017). Sound while at least one contributor destroyed their secrets.
//!
//! * `phase1`: the powers of tau accumulator (circuit-independent) and its contributions;
//!   `beacon` derives a last contribution from a public random value.
//! * `phase2`: from a final phase 1 and one circuit's constraint matrices, the circuit's proving
//!   key with delta = 1 (`lagrange` turns powers into Lagrange-basis points), then delta
//!   contributions; `start_check` checks published starting parameters against phase 1 by
//!   random combinations, without the group FFTs.
//! * `pok`: each secret's proof of knowledge, bound to the parent transcript hash through
//!   RFC 9380 hash-to-G2; `ratio`: the batched same-ratio pairing checks; `points`: the byte
//!   encodings, decoded with length caps and subgroup checks; `transcript`: the hash chain.
//!
//! Every check is of one contribution against its parent; a caller verifies a transcript by
//! walking its chain from the start (`zkpov.ceremony`), never one file alone.
#![forbid(unsafe_code)]

pub mod beacon;
pub mod lagrange;
pub mod phase1;
pub mod phase2;
pub mod points;
pub mod pok;
pub mod queries;
pub mod ratio;
pub mod secret;
pub mod start_check;
#[cfg(test)]
mod start_check_tests;
#[cfg(test)]
mod tests;
pub mod transcript;

use crate::error::CoreError;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

/// A failed ceremony check, saying which.
pub fn ceremony_err(msg: impl Into<String>) -> CoreError {
    CoreError::Ceremony(msg.into())
}

/// A contribution's RNG: 32 bytes from the OS, hashed with the contributor's optional text (so
/// a weak OS source alone does not decide the secrets).
pub fn get_contribution_rng(entropy: &[u8]) -> Result<ChaCha20Rng, CoreError> {
    let mut os = [0u8; 32];
    rand::RngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut os)
        .map_err(|e| ceremony_err(format!("the OS gave no randomness: {e}")))?;
    let mut h = Sha256::new();
    h.update(b"zkpov/ceremony/entropy");
    h.update(os);
    h.update(entropy);
    let mut seed: [u8; 32] = h.finalize().into();
    let rng = ChaCha20Rng::from_seed(seed);
    zeroize::Zeroize::zeroize(&mut os);
    zeroize::Zeroize::zeroize(&mut seed);
    Ok(rng)
}
