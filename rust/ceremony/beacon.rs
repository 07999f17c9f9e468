//! The last phase-1 contribution, from a public random value announced after every other
//! contribution (a future block hash, a lottery draw): its secrets are SHA-256 iterated
//! `2^log_iterations` times over the value (so nobody can try many values before the
//! announcement), seeding ChaCha20 for tau, alpha, beta and the proofs' randomness. Any verifier
//! re-derives them and checks the accumulator against them.
//!
//! Phase 2 closes the same way: the beacon's delta comes from ChaCha20 seeded with
//! `SHA-256(PHASE2_DST || seed)`, so one beacon value used for both phases gives unrelated
//! secrets.
#![forbid(unsafe_code)]

use super::ceremony_err;
use super::phase1::{contribute, verify_contribution, Accumulator, Secrets};
use super::phase2;
use super::pok::Pok;
use super::secret::Secret;
use crate::error::{CoreError, CoreResult};
use ark_bls12_381::Bls12_381;
use ark_ec::CurveGroup;
use ark_groth16::ProvingKey;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

const BEACON_DST: &[u8] = b"zkpov/ceremony/beacon";
const PHASE2_DST: &[u8] = b"zkpov/ceremony/beacon/phase2";
/// Most hash iterations a beacon may ask for: 2^42 (Zcash's choice, hours of hashing).
pub const MAX_LOG_ITERATIONS: u32 = 42;
/// Most bytes of a beacon value.
pub const MAX_BEACON_BYTES: usize = 1024;

/// The seed of a beacon's secrets.
pub fn compute_beacon_seed(beacon: &[u8], log_iterations: u32) -> CoreResult<[u8; 32]> {
    if beacon.is_empty() || beacon.len() > MAX_BEACON_BYTES {
        return Err(CoreError::InvalidArgument(format!(
            "a beacon value must be 1 to {MAX_BEACON_BYTES} bytes, got {}",
            beacon.len()
        )));
    }
    if log_iterations > MAX_LOG_ITERATIONS {
        return Err(CoreError::InvalidArgument(format!(
            "beacon iterations must be at most 2^{MAX_LOG_ITERATIONS}, got 2^{log_iterations}"
        )));
    }
    let mut h: [u8; 32] = Sha256::new_with_prefix(BEACON_DST)
        .chain_update(beacon)
        .finalize()
        .into();
    for _ in 0..(1u64 << log_iterations) {
        h = Sha256::digest(h).into();
    }
    Ok(h)
}

fn beacon_rng(beacon: &[u8], log_iterations: u32) -> CoreResult<ChaCha20Rng> {
    Ok(ChaCha20Rng::from_seed(compute_beacon_seed(
        beacon,
        log_iterations,
    )?))
}

/// The beacon's contribution: deterministic, so anyone can reproduce it.
pub fn contribute_beacon(
    prev: &Accumulator,
    parent: &[u8; 32],
    beacon: &[u8],
    log_iterations: u32,
) -> CoreResult<(Accumulator, [Pok; 3])> {
    let mut rng = beacon_rng(beacon, log_iterations)?;
    let secrets = Secrets::sample(&mut rng);
    contribute(prev, &secrets, parent, &mut rng)
}

/// A beacon contribution is an ordinary one whose secrets are the beacon's: checked as any other
/// (`verify_contribution`), then its first elements against the re-derived secrets.
pub fn verify_beacon<R: Rng>(
    prev: &Accumulator,
    next: &Accumulator,
    parent: &[u8; 32],
    poks: &[Pok; 3],
    beacon: (&[u8], u32),
    rng: &mut R,
) -> CoreResult<()> {
    verify_contribution(prev, next, parent, poks, rng)?;
    let s = Secrets::sample(&mut beacon_rng(beacon.0, beacon.1)?);
    let expected = [
        (
            (prev.tau_g1[1] * s.tau.value()).into_affine(),
            next.tau_g1[1],
        ),
        (
            (prev.alpha_g1[0] * s.alpha.value()).into_affine(),
            next.alpha_g1[0],
        ),
        (
            (prev.beta_g1[0] * s.beta.value()).into_affine(),
            next.beta_g1[0],
        ),
    ];
    if expected.iter().any(|(want, got)| want != got) {
        return Err(ceremony_err(
            "the accumulator does not follow from the beacon value",
        ));
    }
    Ok(())
}

/// The phase-2 beacon's RNG: the beacon seed hashed again under the phase-2 tag.
fn phase2_beacon_rng(beacon: &[u8], log_iterations: u32) -> CoreResult<ChaCha20Rng> {
    let seed = compute_beacon_seed(beacon, log_iterations)?;
    let h = Sha256::new_with_prefix(PHASE2_DST).chain_update(seed);
    Ok(ChaCha20Rng::from_seed(h.finalize().into()))
}

/// The last phase-2 contribution, its delta from the beacon (deterministic).
pub fn contribute_phase2_beacon(
    prev: &ProvingKey<Bls12_381>,
    parent: &[u8; 32],
    beacon: &[u8],
    log_iterations: u32,
) -> CoreResult<(ProvingKey<Bls12_381>, Pok)> {
    let mut rng = phase2_beacon_rng(beacon, log_iterations)?;
    let delta = Secret::sample(&mut rng);
    phase2::contribute(prev, &delta, parent, &mut rng)
}

/// A phase-2 beacon contribution: checked as any other, then its delta against the re-derived
/// one.
pub fn verify_phase2_beacon<R: Rng>(
    prev: &ProvingKey<Bls12_381>,
    next: &ProvingKey<Bls12_381>,
    parent: &[u8; 32],
    pok: &Pok,
    beacon: (&[u8], u32),
    rng: &mut R,
) -> CoreResult<()> {
    phase2::verify_contribution(prev, next, parent, pok, rng)?;
    let delta = Secret::sample(&mut phase2_beacon_rng(beacon.0, beacon.1)?);
    if (prev.delta_g1 * delta.value()).into_affine() != next.delta_g1 {
        return Err(ceremony_err(
            "the parameters do not follow from the beacon value",
        ));
    }
    Ok(())
}
