//! Python bindings of `crate::groth16` and `crate::circuits`. Setup and proving run with the GIL
//! released. Setup and the prover's synthesis and FFTs run on rayon's pool (`RAYON_NUM_THREADS`);
//! the prover's multi-scalar multiplications run on blst's own pool, one thread per CPU.
use super::errors::{guard, guard_nogil, to_py};
use super::operations::decode_operations;
use super::schnorr::extract_field;
use super::state::{decode_transfers, AccountTree};
use crate::circuits::analysis::compute_stats;
use crate::circuits::CircuitConfig;
use crate::error::{decode_err, CoreError, CoreResult};
use crate::field::fr_to_biguint;
use crate::groth16::prover::PreparedProvingKey;
use crate::groth16::r1cs::CompactMatrices;
use crate::groth16::{self, keys, verifier};
use crate::state::proof_witness::ProofWitness;
use ark_bls12_381::{Bls12_381, Fr};
use ark_groth16::{PreparedVerifyingKey, ProvingKey, VerifyingKey};
use num_bigint::BigUint;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use rayon::prelude::*;

/// Most proofs one `batch_verify` call decodes.
const MAX_BATCH_PROOFS: usize = 1 << 16;

fn config(batch_size: usize, tree_depth: u32) -> PyResult<CircuitConfig> {
    guard(|| CircuitConfig::new(batch_size, tree_depth))
}

fn extract_inputs(inputs: &Bound<'_, PyAny>) -> PyResult<Vec<Fr>> {
    let items: Vec<Bound<'_, PyAny>> = inputs.extract()?;
    if items.len() != groth16::PUBLIC_INPUTS {
        let msg = format!(
            "expected {} public inputs, got {}",
            groth16::PUBLIC_INPUTS,
            items.len()
        );
        return Err(to_py(decode_err(msg)));
    }
    items.iter().map(extract_field).collect()
}

/// A proving key with its circuit's shape and its prepared verifying key. The key is held only
/// in the prover's form (converted once, here); `to_bytes` rebuilds the arkworks key.
#[pyclass(frozen, module = "zkpov._native")]
pub struct Groth16ProvingKey {
    config: CircuitConfig,
    key: PreparedProvingKey,
    pvk: PreparedVerifyingKey<Bls12_381>,
}

impl Groth16ProvingKey {
    fn new(config: CircuitConfig, pk: ProvingKey<Bls12_381>) -> CoreResult<Self> {
        let pvk = groth16::prepare_verifying_key(&pk.vk);
        let key = PreparedProvingKey::new(&pk)?;
        Ok(Groth16ProvingKey { config, key, pvk })
    }
}

#[pymethods]
impl Groth16ProvingKey {
    /// Cache bytes (uncompressed; the points checked on load as `rust/groth16/keys.rs` says).
    #[staticmethod]
    fn from_bytes(
        py: Python<'_>,
        batch_size: usize,
        tree_depth: u32,
        data: &[u8],
    ) -> PyResult<Self> {
        let config = config(batch_size, tree_depth)?;
        guard_nogil(py, || Self::new(config, keys::decode_proving_key(data)?))
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = guard_nogil(py, || {
            Ok(keys::encode_proving_key(&self.key.to_proving_key()?))
        })?;
        Ok(PyBytes::new(py, &bytes))
    }

    #[getter]
    fn batch_size(&self) -> usize {
        self.config.batch_size
    }

    #[getter]
    fn tree_depth(&self) -> u32 {
        self.config.tree_depth
    }

    fn verifying_key(&self) -> PyResult<Groth16VerifyingKey> {
        guard(|| Groth16VerifyingKey::from_vk(self.key.verifying_key()))
    }

    /// The circuit's constraint matrices, compact (`rust/groth16/r1cs.rs`); built now if the key
    /// has none yet (a setup-mode synthesis: seconds and about 230 MB at 2^16 constraints).
    fn matrices_to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let blank = self.config.blank_circuit();
        let bytes = guard_nogil(py, || Ok(self.key.get_matrices(blank)?.encode()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Matrices from `matrices_to_bytes` (checked; `DecodeError` if they do not fit the key).
    fn load_matrices(&self, py: Python<'_>, data: &[u8]) -> PyResult<()> {
        guard_nogil(py, || {
            let m = CompactMatrices::decode(data)?;
            self.key
                .set_matrices(m)
                .map_err(|e| decode_err(format!("constraint matrices do not fit the key: {e}")))
        })
    }
}

/// A decoded, prepared verifying key.
#[pyclass(frozen, module = "zkpov._native")]
pub struct Groth16VerifyingKey {
    key: verifier::PreparedVerifyingKey,
}

impl Groth16VerifyingKey {
    fn from_vk(vk: &VerifyingKey<Bls12_381>) -> CoreResult<Self> {
        Ok(Self {
            key: verifier::PreparedVerifyingKey::new(vk)?,
        })
    }
}

#[pymethods]
impl Groth16VerifyingKey {
    #[new]
    fn new(data: &[u8]) -> PyResult<Self> {
        guard(|| Self::from_vk(&groth16::decode_verifying_key(data)?))
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &groth16::encode_verifying_key(self.key.verifying_key()))
    }

    fn verify(&self, py: Python<'_>, inputs: &Bound<'_, PyAny>, proof: &[u8]) -> PyResult<bool> {
        let inputs = extract_inputs(inputs)?;
        guard_nogil(py, || {
            verifier::verify(&self.key, &inputs, &verifier::decode_proof(proof)?)
        })
    }

    /// `items`: `(public inputs, proof bytes)` pairs; `DecodeError` if any does not decode.
    fn batch_verify(&self, py: Python<'_>, items: &Bound<'_, PyAny>) -> PyResult<bool> {
        let raw: Vec<(Bound<'_, PyAny>, Vec<u8>)> = items.extract()?;
        if raw.len() > MAX_BATCH_PROOFS {
            return Err(to_py(decode_err(format!(
                "at most {MAX_BATCH_PROOFS} proofs per batch"
            ))));
        }
        let inputs = raw
            .iter()
            .map(|(i, _)| extract_inputs(i))
            .collect::<PyResult<Vec<_>>>()?;
        let proofs: Vec<Vec<u8>> = raw.into_iter().map(|(_, p)| p).collect();
        guard_nogil(py, || {
            let proofs = proofs.par_iter().map(|p| verifier::decode_proof(p));
            let decoded: Vec<verifier::FastProof> = proofs.collect::<CoreResult<_>>()?;
            let items: Vec<(Vec<Fr>, verifier::FastProof)> =
                inputs.into_iter().zip(decoded).collect();
            verifier::batch_verify(&self.key, &items)
        })
    }
}

#[pyfunction]
fn groth16_insecure_setup(
    py: Python<'_>,
    batch_size: usize,
    tree_depth: u32,
    seed: &[u8],
) -> PyResult<Groth16ProvingKey> {
    let config = config(batch_size, tree_depth)?;
    guard_nogil(py, || {
        let (pk, _vk) = groth16::insecure_setup(&config, seed)?;
        Groth16ProvingKey::new(config, pk)
    })
}

/// Native checks and witness under the GIL, proving without it: `(proof, [pre, post, commitment])`.
#[pyfunction]
fn groth16_prove<'py>(
    py: Python<'py>,
    pk: &Groth16ProvingKey,
    state: &Bound<'py, AccountTree>,
    ops: Vec<Vec<u8>>,
    chain_tag: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyBytes>, Vec<BigUint>)> {
    let chain_tag = extract_field(chain_tag)?;
    let circuit = guard(|| {
        let ops =
            decode_operations(&ops, chain_tag).map_err(|e| CoreError::Proof(e.to_string()))?;
        pk.config.build_op_circuit(&state.borrow().state, &ops)
    })?;
    let inputs: Vec<BigUint> = circuit.public_inputs().iter().map(fr_to_biguint).collect();
    let proof = guard_nogil(py, || groth16::prove(&pk.key, &pk.pvk, circuit))?;
    Ok((PyBytes::new(py, &groth16::encode_proof(&proof)), inputs))
}

/// `groth16_prove` from a `proof_witness` (bytes) instead of a state, wholly without the GIL:
/// decoding and checking the witness, the native rules and proving. The transfers are decoded
/// with the witness's chain tag.
#[pyfunction]
fn groth16_prove_with_witness<'py>(
    py: Python<'py>,
    pk: &Groth16ProvingKey,
    witness: Vec<u8>,
    transfers: Vec<Vec<u8>>,
) -> PyResult<(Bound<'py, PyBytes>, Vec<BigUint>)> {
    let (proof, inputs) = guard_nogil(py, || {
        let witness = ProofWitness::decode(&witness)?;
        if witness.depth != pk.config.tree_depth {
            let msg = format!(
                "witness has depth {}, the key {}",
                witness.depth, pk.config.tree_depth
            );
            return Err(decode_err(msg));
        }
        let transfers = decode_transfers(&transfers, witness.chain_tag)?;
        let circuit = pk.config.build_circuit_from_witness(&witness, &transfers)?;
        let inputs: Vec<BigUint> = circuit.public_inputs().iter().map(fr_to_biguint).collect();
        Ok((groth16::prove(&pk.key, &pk.pvk, circuit)?, inputs))
    })?;
    Ok((PyBytes::new(py, &groth16::encode_proof(&proof)), inputs))
}

/// The config's id; the first call per depth synthesizes a template circuit (GIL released).
#[pyfunction]
fn circuit_id(py: Python<'_>, batch_size: usize, tree_depth: u32) -> PyResult<String> {
    let config = config(batch_size, tree_depth)?;
    guard_nogil(py, || config.circuit_id())
}

/// Constraint, witness and key-size counts of a config (see `circuits::analysis`).
#[pyfunction]
fn circuit_stats(
    py: Python<'_>,
    batch_size: usize,
    tree_depth: u32,
) -> PyResult<Bound<'_, PyDict>> {
    let config = config(batch_size, tree_depth)?;
    let s = guard_nogil(py, || compute_stats(&config))?;
    let out = PyDict::new(py);
    out.set_item("constraint_count", s.constraint_count)?;
    out.set_item("witness_count", s.witness_count)?;
    out.set_item("public_input_count", s.public_input_count)?;
    out.set_item("proving_key_size", s.proving_key_size)?;
    out.set_item("constraints_per_transfer", s.constraints_per_transfer)?;
    out.set_item("poseidon", s.poseidon)?;
    out.set_item("poseidon_wide", s.poseidon_wide)?;
    out.set_item("merkle_path", s.merkle_path)?;
    out.set_item("signature", s.signature)?;
    out.set_item("range_check", s.range_check)?;
    out.set_item("recipient_key", s.recipient_key)?;
    out.set_item("canonical_scalar", s.canonical_scalar)?;
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Groth16ProvingKey>()?;
    m.add_class::<Groth16VerifyingKey>()?;
    m.add_function(wrap_pyfunction!(groth16_insecure_setup, m)?)?;
    m.add_function(wrap_pyfunction!(groth16_prove, m)?)?;
    m.add_function(wrap_pyfunction!(groth16_prove_with_witness, m)?)?;
    m.add_function(wrap_pyfunction!(circuit_id, m)?)?;
    m.add_function(wrap_pyfunction!(circuit_stats, m)?)?;
    Ok(())
}
