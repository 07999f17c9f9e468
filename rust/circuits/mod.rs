//! R1CS gadgets and the transfer-batch circuit, over BLS12-381's scalar field.
#![forbid(unsafe_code)]

pub mod analysis;
pub mod merkle;
pub mod permutation;
pub mod poseidon;
pub mod range;
pub mod schnorr;
pub mod slot;
pub mod transfer;

#[cfg(test)]
mod tests;

use crate::error::{CoreError, CoreResult};
use crate::state::accounts::{compute_batch_commitment, Transfer};
use crate::state::batch_transition::State;
use crate::state::smt::check_depth;
use ark_bls12_381::Fr;
use sha2::{Digest, Sha256};
use slot::{compute_slots, SlotWitness};
use transfer::TransferBatchCircuit;

/// Bumped whenever the constraints change, so cached keys of an older circuit are never reused.
pub const CIRCUIT_VERSION: u32 = 3; // 2: transfers carry a fee; 3: amount and fee packed
pub const MAX_BATCH_SIZE: usize = 1024;
const CIRCUIT_ID_DST: &[u8] = b"zkpov/transfer-batch";

/// The circuit's shape: transfers per proof and tree depth in address bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CircuitConfig {
    pub batch_size: usize,
    pub tree_depth: u32,
}

impl CircuitConfig {
    pub fn new(batch_size: usize, tree_depth: u32) -> CoreResult<Self> {
        if batch_size == 0 || batch_size > MAX_BATCH_SIZE {
            return Err(CoreError::InvalidArgument(format!(
                "batch size must be in [1, {MAX_BATCH_SIZE}], got {batch_size}"
            )));
        }
        check_depth(tree_depth)?;
        Ok(CircuitConfig {
            batch_size,
            tree_depth,
        })
    }

    /// SHA-256 of the domain tag, the circuit version and the config (hex).
    pub fn circuit_id(&self) -> String {
        let mut h = Sha256::new();
        h.update(CIRCUIT_ID_DST);
        h.update(CIRCUIT_VERSION.to_be_bytes());
        h.update((self.batch_size as u64).to_be_bytes());
        h.update(self.tree_depth.to_be_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// An all-padding instance (what setup synthesizes).
    pub fn blank_circuit(&self) -> TransferBatchCircuit {
        TransferBatchCircuit {
            depth: self.tree_depth,
            pre_root: Fr::from(0u64),
            post_root: Fr::from(0u64),
            commitment: Fr::from(0u64),
            slots: vec![SlotWitness::padding(self.tree_depth); self.batch_size],
        }
    }

    /// Runs the native checks and builds the circuit for `transfers` from `state`; a transfer the
    /// rules reject is a `CoreError::Proof` before any constraint is built.
    pub fn build_circuit(
        &self,
        state: &State,
        transfers: &[Transfer],
    ) -> CoreResult<TransferBatchCircuit> {
        if state.depth() != self.tree_depth {
            return Err(CoreError::Proof(format!(
                "state has depth {}, the circuit {}",
                state.depth(),
                self.tree_depth
            )));
        }
        if transfers.len() > self.batch_size {
            return Err(CoreError::Proof(format!(
                "{} transfers do not fit a batch of {}",
                transfers.len(),
                self.batch_size
            )));
        }
        let witness = state
            .compute_batch_witness(transfers)
            .map_err(|e| CoreError::Proof(e.to_string()))?;
        Ok(TransferBatchCircuit {
            depth: self.tree_depth,
            pre_root: witness.pre_root,
            post_root: witness.post_root,
            commitment: compute_batch_commitment(transfers),
            slots: compute_slots(&witness, self.batch_size),
        })
    }
}
