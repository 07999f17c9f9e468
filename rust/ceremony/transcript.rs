//! The transcript's hash chain. Each contribution's hash covers its parent's hash, the SHA-256
//! of the accumulator (or phase-2 parameters) it produced, its proofs of knowledge and the
//! contributor's name and comment, each length-prefixed; the next contribution's proofs are bound
//! to it (`pok`), so no contribution can be moved, dropped or built on a stale parent.
//! The chain starts from the starting accumulator's hash (phase 1), or from the final phase-1
//! hash, the circuit id and the starting parameters' hash (phase 2).
#![forbid(unsafe_code)]

use sha2::{Digest, Sha256};

const RECORD_DST: &[u8] = b"zkpov/ceremony/contribution";
const START_DST: &[u8] = b"zkpov/ceremony/start";
const PHASE2_DST: &[u8] = b"zkpov/ceremony/phase2";

fn update_field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// The hash of one contribution record.
pub fn compute_record_hash(
    parent: &[u8; 32],
    output_sha256: &[u8; 32],
    poks: &[u8],
    name: &str,
    comment: &str,
) -> [u8; 32] {
    let mut h = Sha256::new_with_prefix(RECORD_DST);
    for field in [
        &parent[..],
        &output_sha256[..],
        poks,
        name.as_bytes(),
        comment.as_bytes(),
    ] {
        update_field(&mut h, field);
    }
    h.finalize().into()
}

/// The root of a phase-1 chain: the starting accumulator's SHA-256.
pub fn compute_phase1_root(start_sha256: &[u8; 32]) -> [u8; 32] {
    Sha256::new_with_prefix(START_DST)
        .chain_update(start_sha256)
        .finalize()
        .into()
}

/// The root of a phase-2 chain, bound to the phase 1 it came from and its circuit.
pub fn compute_phase2_root(
    phase1_hash: &[u8; 32],
    circuit_id: &str,
    start_sha256: &[u8; 32],
) -> [u8; 32] {
    let mut h = Sha256::new_with_prefix(PHASE2_DST);
    for field in [&phase1_hash[..], circuit_id.as_bytes(), &start_sha256[..]] {
        update_field(&mut h, field);
    }
    h.finalize().into()
}
