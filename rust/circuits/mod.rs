//! R1CS gadgets and the transfer-batch circuit, over BLS12-381's scalar field.
#![forbid(unsafe_code)]

pub mod analysis;
pub mod key;
pub mod merkle;
pub mod ops;
pub mod permutation;
pub mod poseidon;
pub mod range;
pub mod schnorr;
pub mod slot;
pub mod transfer;

#[cfg(test)]
pub(crate) mod ops_tests;
#[cfg(test)]
mod tests;

use crate::error::{CoreError, CoreResult};
use crate::state::accounts::Transfer;
use crate::state::batch_transition::{to_operations, State};
use crate::state::operations::{compute_op_commitment, Operation};
use crate::state::proof_witness::ProofWitness;
use crate::state::smt::check_depth;
use ark_bls12_381::Fr;
use ark_ff::{BigInteger, PrimeField};
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use sha2::{Digest, Sha256};
use slot::{compute_slots, SlotWitness};
use std::sync::Mutex;
use transfer::TransferBatchCircuit;

/// The template circuit whose matrices the id hashes: two slots (a slot, the chaining between
/// slots and the final checks) at depth 2 (one tree level). Every slot and every level runs the
/// same gadget code, so a change to any gadget changes these matrices; the config's own batch
/// size and depth are hashed beside them. Synthesizing the config's circuit instead would cost
/// about 3 KB per constraint (some 200 MB at depth 38, 1.4 GB at batch 16) in every process that
/// names a circuit, a prover loading its key from the cache included.
const ID_TEMPLATE: CircuitConfig = CircuitConfig {
    batch_size: 2,
    tree_depth: 2,
};
/// The template's matrix hash, synthesized once per process.
static MATRIX_HASH: Mutex<Option<[u8; 32]>> = Mutex::new(None);

fn hash_matrices(m: &ConstraintMatrices<Fr>) -> [u8; 32] {
    let mut h = Sha256::new();
    for n in [
        m.num_instance_variables,
        m.num_witness_variables,
        m.num_constraints,
    ] {
        h.update((n as u64).to_le_bytes());
    }
    for matrix in [&m.a, &m.b, &m.c] {
        for row in matrix {
            h.update((row.len() as u64).to_le_bytes());
            for (coeff, var) in row {
                h.update(coeff.into_bigint().to_bytes_le());
                h.update((*var as u64).to_le_bytes());
            }
        }
    }
    h.finalize().into()
}

/// SHA-256 of the setup-mode constraint matrices of `template`.
fn synthesize_matrix_hash(template: &CircuitConfig) -> CoreResult<[u8; 32]> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    let failed = |e| CoreError::Proof(format!("synthesis failed: {e}"));
    template
        .blank_circuit()
        .generate_constraints(cs.clone())
        .map_err(failed)?;
    cs.finalize();
    let m = cs
        .to_matrices()
        .ok_or_else(|| CoreError::Proof("no matrices".into()))?;
    Ok(hash_matrices(&m))
}

/// The template's matrix hash (`ID_TEMPLATE`), synthesized at the first call.
pub fn get_matrix_hash() -> CoreResult<[u8; 32]> {
    let mut cached = MATRIX_HASH.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(hash) = *cached {
        return Ok(hash);
    }
    let hash = synthesize_matrix_hash(&ID_TEMPLATE)?;
    *cached = Some(hash);
    Ok(hash)
}

/// Bumped with each change of the statement; the circuit id also hashes the constraint matrices,
/// so a changed circuit never reuses a cached key even if this is not bumped.
/// 2: transfers carry a fee; 3: amount and fee packed; 4: hardened (signature bytes committed,
/// recipient key checked, canonical `s`); 5: a kind per slot (transfer, staking op, payout).
pub const CIRCUIT_VERSION: u32 = 5;
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

    /// SHA-256 of the domain tag, the circuit version, the config and the constraint matrices'
    /// hash (`get_matrix_hash`), in hex.
    pub fn circuit_id(&self) -> CoreResult<String> {
        let mut h = Sha256::new();
        h.update(CIRCUIT_ID_DST);
        h.update(CIRCUIT_VERSION.to_be_bytes());
        h.update((self.batch_size as u64).to_be_bytes());
        h.update(self.tree_depth.to_be_bytes());
        h.update(get_matrix_hash()?);
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
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

    /// `build_op_circuit` for a batch of transfers only.
    pub fn build_circuit(
        &self,
        state: &State,
        transfers: &[Transfer],
    ) -> CoreResult<TransferBatchCircuit> {
        self.build_op_circuit(state, &to_operations(transfers))
    }

    /// Runs the native checks and builds the circuit for `ops` from `state`; an operation the
    /// rules reject is a `CoreError::Proof` before any constraint is built.
    pub fn build_op_circuit(
        &self,
        state: &State,
        ops: &[Operation],
    ) -> CoreResult<TransferBatchCircuit> {
        if state.depth() != self.tree_depth {
            return Err(CoreError::Proof(format!(
                "state has depth {}, the circuit {}",
                state.depth(),
                self.tree_depth
            )));
        }
        if ops.len() > self.batch_size {
            return Err(CoreError::Proof(format!(
                "{} operations do not fit a batch of {}",
                ops.len(),
                self.batch_size
            )));
        }
        let witness = state
            .compute_batch_witness(ops)
            .map_err(|e| CoreError::Proof(e.to_string()))?;
        Ok(TransferBatchCircuit {
            depth: self.tree_depth,
            pre_root: witness.pre_root,
            post_root: witness.post_root,
            commitment: compute_op_commitment(ops),
            slots: compute_slots(&witness, self.batch_size),
        })
    }

    /// `build_circuit` on the partial state a remote prover rebuilds from `witness` (checked
    /// against its pre-state root, and to hold exactly the accounts `transfers` touch).
    pub fn build_circuit_from_witness(
        &self,
        witness: &ProofWitness,
        transfers: &[Transfer],
    ) -> CoreResult<TransferBatchCircuit> {
        witness.check_covers(transfers)?;
        self.build_circuit(&witness.to_state()?, transfers)
    }
}
